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

    /// <summary>
    /// Every partition completed, but the side effects (<see cref="JobBuilder{T}.AddSideEffect"/>) of
    /// <see cref="RunResult.InDoubt"/> records are in doubt: they may or may not have happened, so those records were
    /// neither repeated nor passed on. To resolve them, list them with
    /// <see cref="ICheckpointStore.ListInDoubtEffectsAsync"/>, check each downstream (by its idempotency key), record the
    /// answer with <see cref="ICheckpointStore.ResolveInDoubtEffectAsync"/>, then run the same RunKey again: once no
    /// effect is left in doubt, the partitions that had doubts are processed again from their first record, and the
    /// guard skips every confirmed effect, so only the released effects run. (While doubts remain, running again does
    /// nothing.) The records of those partitions reach the sink again, which the sink's disposition
    /// (<see cref="WriteDisposition.Upsert"/> or <see cref="WriteDisposition.ReplacePartition"/>) makes harmless.
    /// </summary>
    CompletedWithDoubts,
}
