namespace BatchKit;

/// <summary>The live progress of one partition, written by the stage that keeps its totals and read by <see cref="RunProgressTracker"/>.</summary>
internal sealed class PartitionProgressSlot(int index, string id, long? expectedRecords)
{
    private readonly Lock _lock = new();
    private long _read;
    private long _written;
    private long _errors;
    private long _inDoubt;
    private int _status;
    private int _local;
    private long _localAtTicks; // DateTimeOffset.MinValue until this worker writes a state

    public int Index { get; } = index;

    public string Id { get; } = id;

    public PartitionStatus Status
    {
        get => (PartitionStatus)Volatile.Read(ref _status);
        set => Volatile.Write(ref _status, (int)value);
    }

    /// <summary>Gets or sets a value indicating whether this worker runs the partition (its status is then not taken from the store's states).</summary>
    public bool IsLocal
    {
        get => Volatile.Read(ref _local) == 1;
        set => Volatile.Write(ref _local, value ? 1 : 0);
    }

    /// <summary>
    /// Gets the time of the last partition state this worker wrote: a state read from the store that is older comes from
    /// a read that raced with that write and is not taken.
    /// </summary>
    public DateTimeOffset LocalAt => new(Interlocked.Read(ref _localAtTicks), TimeSpan.Zero);

    /// <summary>Mirrors a partition state this worker just wrote to the store.</summary>
    public void Track(PartitionStatus status, bool local, DateTimeOffset at)
    {
        Status = status;
        IsLocal = local;
        Interlocked.Exchange(ref _localAtTicks, at.UtcTicks);
    }

    /// <summary>Publishes the partition's totals so far, the same ones its next checkpoint holds.</summary>
    public void Set(long read, long written, long errors, long inDoubt)
    {
        lock (_lock)
        {
            _read = read;
            _written = written;
            _errors = errors;
            _inDoubt = inDoubt;
        }
    }

    public void Seed(Checkpoint? checkpoint)
    {
        if (checkpoint is not null)
        {
            Set(checkpoint.RecordsRead, checkpoint.RecordsWritten, checkpoint.ErrorCount, checkpoint.InDoubtCount);
        }
    }

    public PartitionProgress Snapshot()
    {
        lock (_lock)
        {
            return new PartitionProgress
            {
                Index = Index,
                Id = Id,
                Status = Status,
                IsLocal = IsLocal,
                RecordsRead = _read,
                RecordsWritten = _written,
                Errors = _errors,
                InDoubt = _inDoubt,
                ExpectedRecords = expectedRecords,
            };
        }
    }
}
