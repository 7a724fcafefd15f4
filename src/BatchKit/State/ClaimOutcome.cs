namespace BatchKit;

/// <summary>The outcome of claiming an idempotency key.</summary>
public enum ClaimOutcome
{
    /// <summary>The key was new: perform the effect, then confirm.</summary>
    Claimed,

    /// <summary>The effect was confirmed by an earlier attempt: skip it.</summary>
    AlreadyConfirmed,

    /// <summary>An earlier attempt claimed the key and never confirmed it: the effect may or may not have happened.</summary>
    InDoubt,
}
