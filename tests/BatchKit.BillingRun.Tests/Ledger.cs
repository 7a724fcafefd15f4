using System.Globalization;

namespace BatchKit.BillingRun.Tests;

/// <summary>Reads the ledger the sample wrote for a month: every CSV file of <c>&lt;ledger&gt;/month=&lt;month&gt;/</c>.</summary>
public static class Ledger
{
    public sealed record Line(long AccountId, long AmountCents, string ChargeId, string IdempotencyKey);

    public static IReadOnlyList<Line> Read(string ledgerDirectory, string month)
    {
        var folder = Path.Combine(ledgerDirectory, "month=" + month);
        Directory.Exists(folder).Should().BeTrue($"the run publishes its ledger in {folder}");
        var lines = new List<Line>();
        foreach (var file in Directory.GetFiles(folder, "*.csv"))
        {
            var rows = File.ReadAllLines(file);
            rows[0].Should().Be("month,account_id,amount_cents,currency,charge_id,idempotency_key", $"{file} starts with its header");
            foreach (var row in rows.Skip(1).Where(r => r.Length > 0))
            {
                var f = row.Split(',');
                f.Should().HaveCount(6, $"a ledger line of {file} has six fields: {row}");
                f[0].Should().Be(month);
                lines.Add(new Line(long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), f[4], f[5]));
            }
        }

        return lines;
    }
}
