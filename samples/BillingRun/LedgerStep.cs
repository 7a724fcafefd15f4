using BatchKit;

namespace BillingRun;

/// <summary>
/// Turns a charged account into its ledger line with the charge id. An account charged by this attempt has its id at
/// hand; one charged by an earlier attempt (confirmed before a crash, or resolved as happened) is looked up at the
/// payment API by its idempotency key.
/// </summary>
internal sealed class LedgerStep(PaymentClient payments, string month) : IStep<Account, LedgerLine>
{
    /// <summary>The record key of an account for <see cref="IdempotencyGuard"/>: its id.</summary>
    public static string RecordKey(Account account) => account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask ExecuteAsync(Account record, StepOutput<LedgerLine> output, StepContext context, CancellationToken cancellationToken)
    {
        var key = IdempotencyGuard.DeriveKey(context.RunKey, context.Partition.Id, RecordKey(record));
        string? chargeId;
        try
        {
            chargeId = await payments.FindChargeIdAsync(key, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException)
        {
            // A lookup is safe to repeat: the partition is attempted again from its checkpoint.
            throw new BatchKitException($"Cannot look up the charge of account {record.Id} (key {key}) at the payment API: {ex.Message}", ex) { IsTransient = true, PartitionId = context.Partition.Id };
        }

        if (chargeId is null)
        {
            // Confirmed (or resolved as happened) but unknown to the API: an error record, for a person to look at.
            throw new InvalidOperationException($"Account {record.Id}: its charge is recorded as made (key {key}), but the payment API has no charge under that key; it was not charged again.");
        }

        output.Emit(new LedgerLine { Month = month, AccountId = record.Id, AmountCents = record.AmountCents, Currency = record.Currency, ChargeId = chargeId, IdempotencyKey = key });
    }
}
