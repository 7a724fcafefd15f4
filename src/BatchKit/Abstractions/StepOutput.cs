using System.Buffers;
using System.Runtime.CompilerServices;

namespace BatchKit;

/// <summary>Collects the records a step emits.</summary>
/// <typeparam name="T">The output record type.</typeparam>
/// <remarks>Used by one task at a time; not thread-safe.</remarks>
public sealed class StepOutput<T>
{
    private T[] _items;
    private int _count;

    internal StepOutput(int capacity) => _items = ArrayPool<T>.Shared.Rent(Math.Max(capacity, 16));

    /// <summary>Emits a record.</summary>
    /// <param name="record">The record.</param>
    public void Emit(T record)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[_count++] = record;
    }

    internal int Count => _count;

    /// <summary>Hands the rented array (and its ownership) to a chunk; the output is empty afterwards.</summary>
    internal (T[] Items, int Count) Detach()
    {
        var detached = (_items, _count);
        _items = [];
        _count = 0;
        return detached;
    }

    private void Grow()
    {
        var bigger = ArrayPool<T>.Shared.Rent(Math.Max(16, _items.Length * 2));
        Array.Copy(_items, bigger, _count);
        if (_items.Length > 0)
        {
            ArrayPool<T>.Shared.Return(_items, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }

        _items = bigger;
    }
}
