namespace BatchKit;

/// <summary>The status of a run.</summary>
public enum RunStatus
{
    /// <summary>The run is executing.</summary>
    Running,

    /// <summary>Every partition completed and the run was verified.</summary>
    Completed,

    /// <summary>A partition failed past its attempt limit, or the error-rate threshold was exceeded.</summary>
    Failed,

    /// <summary>The run was cancelled at a chunk boundary; the next run of the same RunKey resumes it.</summary>
    Cancelled,

    /// <summary>The run exceeded its maximum duration at a chunk boundary; the next run of the same RunKey resumes it.</summary>
    TimedOut,
}

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
