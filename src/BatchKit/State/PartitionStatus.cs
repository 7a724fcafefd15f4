namespace BatchKit;

/// <summary>The status of a partition within a run.</summary>
public enum PartitionStatus
{
    /// <summary>Not started yet.</summary>
    Pending,

    /// <summary>Being processed (or was, by a process that stopped).</summary>
    Running,

    /// <summary>Every record was processed and the output published.</summary>
    Completed,

    /// <summary>The last attempt failed; <see cref="PartitionState.LastError"/> says why.</summary>
    Failed,
}
