using System.Globalization;

namespace BillingRun;

/// <summary>The sample's options, with embedded defaults so that it runs with no arguments.</summary>
internal sealed record BillingSettings
{
    private static readonly string Home = Path.Combine(Environment.CurrentDirectory, "batchkit-billing");

    /// <summary>Gets the billing month, <c>yyyy-MM</c>: the run parameter, so one month is one RunKey.</summary>
    public string Month { get; init; } = PreviousMonth(TimeProvider.System);

    /// <summary>Gets the accounts: a PostgreSQL connection string, or the path of a SQLite file (generated when missing).</summary>
    public string Accounts { get; init; } = Path.Combine(Home, "accounts.db");

    /// <summary>Gets the accounts table (schema-qualified for PostgreSQL if needed).</summary>
    public string AccountsTable { get; init; } = "accounts";

    /// <summary>Gets the number of accounts generated into a new SQLite file.</summary>
    public int Generate { get; init; } = 2_000;

    /// <summary>Gets N: every Nth generated account has a card that is declined; 0 for none.</summary>
    public int DeclineEvery { get; init; } = 500;

    /// <summary>Gets the payment API; <see langword="null"/> hosts the stub in this process.</summary>
    public Uri? Payments { get; init; }

    public string StatePath { get; init; } = Path.Combine(Home, "state.db");

    public string LedgerDirectory { get; init; } = Path.Combine(Home, "ledger");

    public int Parallelism { get; init; } = 4;

    public int Partitions { get; init; } = 8;

    public int CommitInterval { get; init; } = 50;

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the time one HTTP attempt may take before it is abandoned (and retried with the same key).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the retries of a charge after a 5xx, a timeout or a broken connection.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>Gets the share of accounts that may be rejected (declined cards, bad rows) before the run is marked failed.</summary>
    public double MaxErrorRate { get; init; } = 0.05;

    public bool AccountsInPostgres =>
        Accounts.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || Accounts.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || (Accounts.Contains('=', StringComparison.Ordinal) && Accounts.Contains("host", StringComparison.OrdinalIgnoreCase));

    public static string PreviousMonth(TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);
    }

    /// <summary>The options, with their descriptions for <c>--help</c>.</summary>
    public static readonly (string Name, string Description)[] Options =
    [
        ("--month", "The billing month, yyyy-MM: one month is one run (default: the previous month)."),
        ("--accounts", "The accounts: a PostgreSQL connection string, or a SQLite file, generated when missing (default batchkit-billing/accounts.db)."),
        ("--accounts-table", "The accounts table, schema-qualified for PostgreSQL if needed (default accounts)."),
        ("--generate", "How many accounts a new SQLite file gets (default 2000)."),
        ("--decline-every", "Every Nth generated account has a declined card; 0 for none (default 500)."),
        ("--payments", "The payment API's base URL (default: a stub hosted in this process)."),
        ("--state", "The SQLite state file (default batchkit-billing/state.db)."),
        ("--ledger", "The folder of the month's ledger CSV files (default batchkit-billing/ledger)."),
        ("--parallelism", "How many partitions run at once (default 4)."),
        ("--partitions", "How many key-range partitions the accounts are split into (default 8)."),
        ("--commit-interval", "How many accounts make a chunk (default 50)."),
        ("--lease-seconds", "The partition lease, in seconds (default 10)."),
        ("--timeout-ms", "How long one HTTP attempt may take, in milliseconds (default 5000)."),
        ("--retries", "The retries of a charge after a 5xx, a timeout or a broken connection (default 3)."),
        ("--max-error-rate", "The share of accounts that may be rejected before the run fails, 0 to 1 (default 0.05)."),
    ];

    /// <summary>Parses the command line (System.CommandLine); <see langword="null"/> when <c>--help</c> was shown.</summary>
    /// <exception cref="ArgumentException">An option is unknown or has no value, or a value is invalid.</exception>
    public static BillingSettings? Parse(string[] args)
    {
        var s = new BillingSettings();
        var run = BatchKit.Samples.SampleCommandLine.TryParse(
            args,
            "BatchKit BillingRun: charges every account once a month through a payment API with an Idempotency-Key, and writes the month's ledger.",
            Options,
            (name, value) => s = Apply(s, name, value));
        return run ? s : null;
    }

    private static BillingSettings Apply(BillingSettings s, string name, string value) => name switch
    {
        "--month" => s with { Month = ParseMonth(value) },
        "--accounts" => s with { Accounts = value },
        "--accounts-table" => s with { AccountsTable = value },
        "--generate" => s with { Generate = (int)Positive(name, value) },
        "--decline-every" => s with { DeclineEvery = (int)Positive(name, value, allowZero: true) },
        "--payments" => s with { Payments = ParseUrl(value) },
        "--state" => s with { StatePath = value },
        "--ledger" => s with { LedgerDirectory = value },
        "--parallelism" => s with { Parallelism = (int)Positive(name, value) },
        "--partitions" => s with { Partitions = (int)Positive(name, value) },
        "--commit-interval" => s with { CommitInterval = (int)Positive(name, value) },
        "--lease-seconds" => s with { LeaseDuration = TimeSpan.FromSeconds(Positive(name, value)) },
        "--timeout-ms" => s with { RequestTimeout = TimeSpan.FromMilliseconds(Positive(name, value)) },
        "--retries" => s with { Retries = (int)Positive(name, value, allowZero: true) },
        "--max-error-rate" => s with { MaxErrorRate = Rate(name, value) },
        _ => throw new ArgumentException($"unknown option {name}"),
    };

    private static string ParseMonth(string value) =>
        DateTime.TryParseExact(value, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
            ? month.ToString("yyyy-MM", CultureInfo.InvariantCulture)
            : throw new ArgumentException($"--month expects a month as yyyy-MM (for example 2026-11), found '{value}'");

    private static Uri ParseUrl(string value) =>
        Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"--payments expects the payment API's base URL (for example http://127.0.0.1:5080), found '{value}'");

    private static double Rate(string name, string value) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1
            ? rate
            : throw new ArgumentException($"{name} expects a share between 0 and 1 (for example 0.05), found '{value}'");

    private static long Positive(string name, string value, bool allowZero = false) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && (n > 0 || (allowZero && n == 0)) && n <= int.MaxValue
            ? n
            : throw new ArgumentException($"{name} expects a {(allowZero ? "non-negative" : "positive")} whole number, found '{value}'");
}
