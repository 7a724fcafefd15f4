using System.Globalization;
using BatchKit;

namespace BulkEmail;

/// <summary>The generated recipient list: recipient <c>i</c> is <c>recipient-i@example.test</c>, the same in every run.</summary>
internal static class Recipients
{
    public static string Address(long number) => string.Create(CultureInfo.InvariantCulture, $"recipient-{number:D6}@example.test");

    /// <summary>The recipients of a row-range partition, in order.</summary>
    public static IEnumerable<Recipient> OfPartition(Partition partition)
    {
        var (start, end) = PartitionDescriptor.ParseRows(partition.Descriptor);
        for (var i = start; i < end; i++)
        {
            yield return new Recipient(i, Address(i));
        }
    }

    /// <summary>Finds the recipient whose idempotency key in <paramref name="partitionId"/> is <paramref name="key"/>.</summary>
    public static Recipient? ForKey(RunKey runKey, string partitionId, string key, long total)
    {
        for (var i = 0L; i < total; i++)
        {
            if (IdempotencyGuard.DeriveKey(runKey, partitionId, Address(i)) == key)
            {
                return new Recipient(i, Address(i));
            }
        }

        return null;
    }
}
