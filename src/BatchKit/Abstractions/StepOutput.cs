namespace BatchKit;

/// <summary>Collects the records a step emits.</summary>
/// <typeparam name="T">The output record type.</typeparam>
/// <remarks>Used by one task at a time; not thread-safe.</remarks>
public sealed class StepOutput<T>
{
    private T[] _items;
    private int _count;

    internal StepOutput(int capacity) => _items = new T[Math.Max(capacity, 4)];

    /// <summary>Emits a record.</summary>
    /// <param name="record">The record.</param>
    public void Emit(T record)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[_count++] = record;
    }

    internal int Count => _count;

    internal T[] Detach(int nextCapacity)
    {
        var items = _items;
        if (_count < items.Length)
        {
            Array.Resize(ref items, _count);
        }

        _items = new T[Math.Max(nextCapacity, 4)];
        _count = 0;
        return items;
    }
}
