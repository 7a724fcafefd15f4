using System.Security.Cryptography;
using System.Text;

namespace BatchKit;

/// <summary>
/// Guards side effects that a sink cannot make idempotent (send an email, charge a card, call an API): claim → effect →
/// confirm, recorded in the checkpoint store under a stable idempotency key, so a rerun skips confirmed effects and
/// reports, instead of repeating, effects whose outcome is unknown.
/// </summary>
/// <remarks>
/// The key is passed to the effect: send it downstream (an <c>Idempotency-Key</c> header, a payment id) so the
/// downstream system can dedupe an in-doubt attempt that is resolved by running it again.
/// </remarks>
public static class IdempotencyGuard
{
    /// <summary>Derives the stable idempotency key of a record: a SHA-256 of RunKey, partition and record key.</summary>
    /// <param name="runKey">The run.</param>
    /// <param name="partitionId">The partition.</param>
    /// <param name="recordKey">The record's business key (an invoice number) or a content hash.</param>
    /// <returns>A 32-character lowercase hex key, the same in every process.</returns>
    public static string DeriveKey(RunKey runKey, string partitionId, string recordKey)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(partitionId);
        ArgumentNullException.ThrowIfNull(recordKey);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(runKey.Value + "\n" + partitionId + "\n" + recordKey));
        return Convert.ToHexStringLower(bytes)[..32];
    }

    /// <summary>Derives a record key from the record's content (its JSON), for records without a business key.</summary>
    /// <param name="record">The record.</param>
    /// <returns>A SHA-256 hex of the record's JSON.</returns>
    public static string ContentKey(object? record) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(SkipOptions.DefaultPayload(record))));

    /// <summary>Runs a side effect at most once per record and run.</summary>
    /// <param name="context">The context of the step calling it.</param>
    /// <param name="recordKey">The record's business key, or <see cref="ContentKey"/>.</param>
    /// <param name="effect">The effect; receives the idempotency key to pass downstream.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>Whether the effect ran, had run, or is in doubt.</returns>
    /// <remarks>
    /// When <paramref name="effect"/> throws <see cref="EffectNotPerformedException"/>, the claim is released (the
    /// effect definitely did not happen, so another attempt may perform it) and the exception propagates. Any other
    /// exception, a timeout or a cancellation leaves the claim in place: the effect may have happened, so it is in
    /// doubt, and later attempts report it as <see cref="EffectOutcome.InDoubt"/> instead of repeating it.
    /// </remarks>
    /// <exception cref="LeaseLostException">Another worker took the partition over; nothing was claimed.</exception>
    /// <exception cref="EffectNotPerformedException">The effect said it was not performed; its claim was released.</exception>
    public static async ValueTask<EffectOutcome> ExecuteAsync(StepContext context, string recordKey, Func<string, CancellationToken, ValueTask> effect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(effect);
        var key = DeriveKey(context.RunKey, context.Partition.Id, recordKey);
        var claim = await context.Store.ClaimEffectAsync(context.Lease, key, cancellationToken).ConfigureAwait(false);
        switch (claim)
        {
            case ClaimOutcome.AlreadyConfirmed:
                return EffectOutcome.AlreadyPerformed;
            case ClaimOutcome.InDoubt:
                return EffectOutcome.InDoubt;
        }

        try
        {
            await effect(key, cancellationToken).ConfigureAwait(false);
        }
        catch (EffectNotPerformedException)
        {
            await context.Store.ResolveInDoubtEffectAsync(context.RunKey.Value, key, happened: false, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await context.Store.ConfirmEffectAsync(context.Lease, key, CancellationToken.None).ConfigureAwait(false);
        return EffectOutcome.Performed;
    }
}
