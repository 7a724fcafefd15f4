using System.Buffers;
using System.Runtime.CompilerServices;

namespace BatchKit;

/// <summary>The unit that moves through a partition's pipeline and is committed together.</summary>
internal sealed class Chunk<T>
{
    public Chunk(T[] items, int count, long firstOrdinal, long readCount, long endPosition, List<ErrorRecordDraft>? errors)
    {
        Items = items;
        Count = count;
        FirstOrdinal = firstOrdinal;
        ReadCount = readCount;
        EndPosition = endPosition;
        Errors = errors;
    }

    public T[] Items { get; }

    public int Count { get; }

    /// <summary>The ordinal, within the partition, of the first record read for this chunk.</summary>
    public long FirstOrdinal { get; }

    /// <summary>
    /// Gets or initializes the input ordinal of each item (parallel to <see cref="Items"/>), once a step dropped or
    /// multiplied records; <see langword="null"/> while item <c>i</c> is input record <c>FirstOrdinal + i</c>.
    /// </summary>
    public long[]? Ordinals { get; init; }

    /// <summary>Records consumed from the source for this chunk, bad ones included.</summary>
    public long ReadCount { get; }

    /// <summary>The source position after this chunk: where a resumed partition starts reading.</summary>
    public long EndPosition { get; }

    /// <summary>The error records of this chunk whose payloads are stored.</summary>
    public List<ErrorRecordDraft>? Errors { get; }

    /// <summary>Gets or initializes the rejected records of this chunk counted but not stored (the partition's payload budget was used up).</summary>
    public long UnstoredErrors { get; init; }

    /// <summary>Gets or initializes the records of this chunk whose side effect is in doubt (not passed on).</summary>
    public long InDoubt { get; init; }

    public long ErrorCount => (Errors?.Count ?? 0) + UnstoredErrors;

    public ReadOnlyMemory<T> Memory => new(Items, 0, Count);

    /// <summary>Gets or initializes a value indicating whether <see cref="Items"/> was rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
    public bool Pooled { get; init; }

    /// <summary>Gets the input ordinal of item <paramref name="index"/>.</summary>
    public long OrdinalAt(int index) => Ordinals is { } ordinals ? ordinals[index] : FirstOrdinal + index;

    /// <summary>Returns the items array to the pool once the last stage that reads it is done with it.</summary>
    public void Release()
    {
        if (Pooled)
        {
            ArrayPool<T>.Shared.Return(Items, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
    }
}

/// <summary>
/// The error records one stage adds to a chunk, within the partition's budget of stored payloads
/// (<see cref="SkipOptions.MaxStoredErrorsPerPartition"/>): past it, rejected records are only counted.
/// </summary>
internal struct ChunkErrors
{
    private readonly ErrorBudget _budget;

    public ChunkErrors(ErrorBudget budget, List<ErrorRecordDraft>? errors, long unstored)
    {
        _budget = budget;
        Stored = errors;
        Unstored = unstored;
    }

    public List<ErrorRecordDraft>? Stored { get; private set; }

    public long Unstored { get; private set; }

    public void Add(ErrorRecordDraft draft)
    {
        if (_budget.TryTake())
        {
            Stored ??= [];
            Stored.Add(draft);
        }
        else
        {
            Unstored++;
        }
    }
}

/// <summary>How many more error payloads one partition attempt may store; shared by its source and stages.</summary>
internal sealed class ErrorBudget(long remaining)
{
    private long _remaining = remaining;

    public bool TryTake() => Interlocked.Decrement(ref _remaining) >= 0;
}
