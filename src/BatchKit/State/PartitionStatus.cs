namespace BatchKit;

/// <summary>The status of a partition within a run.</summary>
public enum PartitionStatus
{
    /// <summary>Not started yet.</summary>
    Pending,

    /// <summary>Claimed by a worker (<see cref="PartitionState.LeaseOwner"/>), or was, by a worker that stopped; once its lease expires any worker can take it over.</summary>
    Running,

    /// <summary>Every record was processed and the output published.</summary>
    Completed,

    /// <summary>The last attempt failed; <see cref="PartitionState.LastError"/> says why.</summary>
    Failed,
}
