namespace BatchKit.Testing;

/// <summary>Where <see cref="CrashingSink{T}"/> throws <see cref="SimulatedCrashException"/>.</summary>
internal enum SinkCrashPoint
{
    /// <summary>Nowhere: the resumed run drives the same sink type (the plan's definition names it) without a crash.</summary>
    None,

    /// <summary>In the writer's second commit, before the real writer commits: the chunk was written but not committed.</summary>
    BeforeCommit,

    /// <summary>In the writer's second commit, after the real writer committed: the runner never saves the checkpoint.</summary>
    AfterCommit,

    /// <summary>In the first writer's complete, before the real writer publishes the partition.</summary>
    BeforeComplete,

    /// <summary>In the first writer's complete, after the real writer published: the partition is never marked completed.</summary>
    AfterComplete,

    /// <summary>In the run-level publish, before the real sink's <see cref="IRunCompletingSink.CompleteRunAsync"/>.</summary>
    CompleteRun,
}
