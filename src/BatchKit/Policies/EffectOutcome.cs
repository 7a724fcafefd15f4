using System.Security.Cryptography;
using System.Text;

namespace BatchKit;

/// <summary>What <see cref="IdempotencyGuard.ExecuteAsync"/> did with a side effect.</summary>
public enum EffectOutcome
{
    /// <summary>The effect ran now and was confirmed.</summary>
    Performed,

    /// <summary>An earlier attempt performed and confirmed the effect; it was skipped.</summary>
    AlreadyPerformed,

    /// <summary>
    /// An earlier attempt claimed the effect and stopped before confirming it: it may or may not have happened. It was
    /// not repeated; it is listed by <see cref="ICheckpointStore.ListInDoubtEffectsAsync"/> until resolved.
    /// </summary>
    InDoubt,
}
