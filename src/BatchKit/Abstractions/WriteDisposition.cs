namespace BatchKit;

/// <summary>How a sink makes its writes idempotent.</summary>
public enum WriteDisposition
{
    /// <summary>Insert or update on a key: writing the same record twice leaves one row.</summary>
    Upsert,

    /// <summary>The partition's slice of the target is replaced atomically when the partition completes.</summary>
    ReplacePartition,

    /// <summary>
    /// Records are appended. The sink truncates back to the last checkpoint when a partition resumes, or the side
    /// effect is guarded by an <see cref="IdempotencyGuard"/>.
    /// </summary>
    Append,
}
