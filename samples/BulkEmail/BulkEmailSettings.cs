using System.Globalization;

namespace BulkEmail;

/// <summary>The sample's options, with embedded defaults so that it runs with no arguments.</summary>
internal sealed record BulkEmailSettings
{
    public long Recipients { get; init; } = 10_000;

    public int RatePerSecond { get; init; } = 100;

    public string SmtpHost { get; init; } = "127.0.0.1";

    public int SmtpPort { get; init; } = 2525;

    public string From { get; init; } = "newsletter@batchkit.example";

    public string Campaign { get; init; } = "2026-12-welcome";

    public string StatePath { get; init; } = Path.Combine(Environment.CurrentDirectory, "batchkit-bulkemail", "state.db");

    public string SentLogDirectory => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(StatePath))!, "sent");

    public int Parallelism { get; init; } = 4;

    public long RecipientsPerPartition { get; init; } = 500;

    public int CommitInterval { get; init; } = 50;

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(10);

    public static BulkEmailSettings Parse(string[] args)
    {
        var s = new BulkEmailSettings();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"option {name} needs a value");
            }

            var value = args[++i];
            s = name switch
            {
                "--recipients" => s with { Recipients = Positive(name, value) },
                "--rate" => s with { RatePerSecond = (int)Positive(name, value) },
                "--smtp" => ParseSmtp(s, value),
                "--from" => s with { From = value },
                "--campaign" => s with { Campaign = value },
                "--state" => s with { StatePath = value },
                "--parallelism" => s with { Parallelism = (int)Positive(name, value) },
                "--partition-size" => s with { RecipientsPerPartition = Positive(name, value) },
                "--commit-interval" => s with { CommitInterval = (int)Positive(name, value) },
                "--lease-seconds" => s with { LeaseDuration = TimeSpan.FromSeconds(Positive(name, value)) },
                _ => throw new ArgumentException($"unknown option {name}; expected --recipients, --rate, --smtp, --from, --campaign, --state, --parallelism, --partition-size, --commit-interval or --lease-seconds"),
            };
        }

        return s;
    }

    private static BulkEmailSettings ParseSmtp(BulkEmailSettings s, string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"--smtp expects HOST:PORT, found '{value}'");
        }

        return s with { SmtpHost = value[..colon], SmtpPort = port };
    }

    private static long Positive(string name, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= int.MaxValue
            ? n
            : throw new ArgumentException($"{name} expects a positive whole number, found '{value}'");
}
