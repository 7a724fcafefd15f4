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

    /// <summary>The options, with their descriptions for <c>--help</c>.</summary>
    public static readonly (string Name, string Description)[] Options =
    [
        ("--recipients", "How many recipients are generated, one email each (default 10000)."),
        ("--rate", "The most emails sent per second (default 100)."),
        ("--smtp", "The SMTP server, HOST:PORT (default 127.0.0.1:2525)."),
        ("--from", "The sender address (default newsletter@batchkit.example)."),
        ("--campaign", "The campaign: one campaign is one run (default 2026-12-welcome)."),
        ("--state", "The SQLite state file (default batchkit-bulkemail/state.db)."),
        ("--parallelism", "How many partitions run at once (default 4)."),
        ("--partition-size", "How many recipients one partition holds (default 500)."),
        ("--commit-interval", "How many emails make a chunk (default 50)."),
        ("--lease-seconds", "The partition lease, in seconds (default 10)."),
    ];

    /// <summary>Parses the command line (System.CommandLine); <see langword="null"/> when <c>--help</c> was shown.</summary>
    /// <exception cref="ArgumentException">An option is unknown or has no value, or a value is invalid.</exception>
    public static BulkEmailSettings? Parse(string[] args)
    {
        var s = new BulkEmailSettings();
        var run = BatchKit.Samples.SampleCommandLine.TryParse(
            args,
            "BatchKit BulkEmail: sends one email to each generated recipient through an SMTP server, rate-limited, never twice across kills and reruns.",
            Options,
            (name, value) => s = Apply(s, name, value));
        return run ? s : null;
    }

    private static BulkEmailSettings Apply(BulkEmailSettings s, string name, string value) => name switch
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
        _ => throw new ArgumentException($"unknown option {name}"),
    };

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
