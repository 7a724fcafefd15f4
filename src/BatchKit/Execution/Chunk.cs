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

    /// <summary>Records consumed from the source for this chunk, bad ones included.</summary>
    public long ReadCount { get; }

    /// <summary>The source position after this chunk: where a resumed partition starts reading.</summary>
    public long EndPosition { get; }

    public List<ErrorRecordDraft>? Errors { get; }

    public int ErrorCount => Errors?.Count ?? 0;

    public ReadOnlyMemory<T> Memory => new(Items, 0, Count);

    /// <summary>Gets or initializes a value indicating whether <see cref="Items"/> was rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
    public bool Pooled { get; init; }

    /// <summary>Returns the items array to the pool once the last stage that reads it is done with it.</summary>
    public void Release()
    {
        if (Pooled)
        {
            ArrayPool<T>.Shared.Return(Items, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
    }
}
