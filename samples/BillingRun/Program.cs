// BatchKit BillingRun: the monthly billing job. Reads the accounts (PostgreSQL, or a generated SQLite file), charges
// each through a payment API with an Idempotency-Key (AddSideEffect + IdempotencyGuard), and writes the month's ledger
// (CSV, one line per account charged). One month is one RunKey: a rerun resumes, and a completed month charges nothing.
using System.Globalization;
using BatchKit;
using BatchKit.Csv;
using BatchKit.Postgres;
using BillingRun;
using BillingRun.PaymentStub;

BillingSettings settings;
try
{
    // null: --help was shown.
    if (BillingSettings.Parse(args) is not { } parsed)
    {
        return 0;
    }

    settings = parsed;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"billing: {ex.Message}");
    return 2;
}

using var shutdown = new GracefulShutdown();

// The accounts: a PostgreSQL table, or the embedded default, a SQLite file generated on first run.
ISource<Account> source;
IPartitioner partitioner;
PostgresSource<Account>? postgres = null;
if (settings.AccountsInPostgres)
{
    var options = new PostgresSourceOptions { ConnectionString = settings.Accounts, Table = settings.AccountsTable, KeyColumn = "id", PageSize = 1000 };
    foreach (var column in new[] { "id", "email", "amount_cents", "currency", "card" })
    {
        options.Columns.Add(column);
    }

    source = postgres = new PostgresSource<Account>(options);
    partitioner = postgres.CreateKeyRangePartitioner(settings.Partitions);
}
else
{
    if (await SqliteAccounts.EnsureAsync(settings.Accounts, settings.Generate, settings.DeclineEvery, shutdown.Token))
    {
        Console.WriteLine($"billing: generated {settings.Generate} accounts into {Path.GetFullPath(settings.Accounts)} ({(settings.DeclineEvery > 0 ? $"every {settings.DeclineEvery}th card is declined" : "no card is declined")})");
    }

    var sqlite = new SqliteAccountSource(settings.Accounts, settings.AccountsTable);
    source = sqlite;
    partitioner = await sqlite.CreateKeyRangePartitionerAsync(settings.Partitions, shutdown.Token);
}

await using var ownedPostgres = postgres; // disposed at exit: the in-doubt report below reads the accounts again

// The payment API: the one given, or the stub hosted in this process (it forgets its charges when the process ends).
await using var hosted = settings.Payments is null ? await PaymentStub.StartAsync(new PaymentStubOptions()) : null;
var paymentsUrl = settings.Payments ?? hosted!.BaseAddress;
if (hosted is not null)
{
    Console.WriteLine($"billing: no --payments URL given; the payment stub runs in this process on {paymentsUrl}");
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.StatePath))!);
await using var store = new SqliteCheckpointStore(settings.StatePath);
using var http = new HttpClient { BaseAddress = paymentsUrl, Timeout = Timeout.InfiniteTimeSpan };
var retry = new RetryOptions { MaxRetries = settings.Retries };
var payments = new PaymentClient(http, PaymentClient.CreatePipeline(retry, settings.RequestTimeout));
var ledgerOptions = new CsvSinkOptions();
foreach (var (property, column) in new[] { ("Month", "month"), ("AccountId", "account_id"), ("AmountCents", "amount_cents"), ("Currency", "currency"), ("ChargeId", "charge_id"), ("IdempotencyKey", "idempotency_key") })
{
    ledgerOptions.ColumnNames[property] = column;
}

var job = Job.Create("billing-run")
    .ReadFrom(source)
    .PartitionBy(partitioner)
    .Validate(a => a.AmountCents > 0 ? null : $"Account {a.Id}: amount_cents must be positive, found {a.AmountCents}", name: "amount")
    .AddSideEffect(LedgerStep.RecordKey, payments.ChargeAsync, name: "charge")
    .AddStep(new LedgerStep(payments, settings.Month), name: "ledger")
    .WriteTo(new CsvSink<LedgerLine>(settings.LedgerDirectory, ledgerOptions))
    .WithParallelism(settings.Parallelism)
    .WithCommitInterval(settings.CommitInterval)
    .ConfigureSkip(skip =>
    {
        // A refused charge (a declined card) can never succeed: an error record of the account, not a retry.
        var byDefault = skip.IsSkippable;
        skip.IsSkippable = ex => ex is EffectNotPerformedException { InnerException: PaymentRejectedException } || byDefault(ex);
    })
    .Configure(o =>
    {
        o.Retry.MaxRetries = retry.MaxRetries;
        o.Retry.BaseDelay = retry.BaseDelay;
        // Declined cards are error records; past this share of accounts the run is marked failed (the charges made stay made).
        o.MaxErrorRate = settings.MaxErrorRate;
        // A killed process keeps the run lease until it expires; a rerun waits that long, then takes it over.
        o.LeaseDuration = settings.LeaseDuration;
        o.LeaseWaitTimeout = settings.LeaseDuration * 3;
    })
    .UseCheckpointStore(store)
    .Build();

RunResult result;
try
{
    // Progress: a bar per running partition on a terminal, a "progress run=..." line every 5 s when output is redirected.
    result = await new JobRunner(job).RunWithConsoleProgressAsync(RunParameters.Of("month", settings.Month), shutdown.Token);
}
catch (OperationCanceledException) when (shutdown.IsRequested)
{
    Console.WriteLine("Stopped at a chunk boundary; run again to resume.");
    return GracefulShutdown.ResumableExitCode;
}

var runId = result.RunKey.ShortValue;
var errors = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value), CancellationToken.None);
foreach (var error in errors)
{
    Console.WriteLine($"error: partition={error.PartitionId} step={error.Step} offset={error.Offset} reason={error.Reason}");
}

// In-doubt charges: claimed by an attempt that stopped (a kill, a timeout) before the API's answer was recorded. They are
// never repeated automatically; each key is mapped back to its account by reading the key's partition again.
var doubts = await store.ListInDoubtEffectsAsync(result.RunKey.Value, CancellationToken.None);
if (doubts.Count > 0)
{
    var accounts = await DoubtfulAccountsAsync(store, source, result.RunKey, doubts);
    foreach (var doubt in doubts)
    {
        var account = accounts.GetValueOrDefault(doubt.Key);
        Console.WriteLine($"in doubt: key={doubt.Key} partition={doubt.PartitionId} account={account?.Id.ToString(CultureInfo.InvariantCulture) ?? "?"} amount={(account is null ? "?" : PaymentClient.Money(account))} lookup={new Uri(paymentsUrl, "charges?idempotency_key=" + doubt.Key)}");
    }
}

Console.WriteLine(result.WasAlreadyCompleted
    ? $"Run {result.RunKey} ({runId}) already completed: nothing to charge (delete {settings.StatePath} to start over)."
    : $"Run {result.RunKey} ({runId}) {result.Status}.");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"billing: month={settings.Month} run={runId} status={result.Status} accounts={result.RecordsRead} charged={result.RecordsWritten} in_doubt={doubts.Count} errors={result.Errors} charged_now={payments.Charged} elapsed_s={result.Elapsed.TotalSeconds:F2} ledger={OutputPaths.RunDirectory(Path.GetFullPath(settings.LedgerDirectory), result.RunKey)}"));
if (result.Exception is not null)
{
    Console.Error.WriteLine($"billing: the run failed: {result.Exception.Message}");
}

if (doubts.Count > 0)
{
    Console.WriteLine($"{doubts.Count} charge(s) are in doubt. Look each key up at the payment API (the lookup URL above), then record what you found and run again:");
    Console.WriteLine($"  batchkit in-doubt {runId} --store {settings.StatePath}");
    Console.WriteLine($"  batchkit resolve {runId} KEY --happened|--not-happened --store {settings.StatePath}");
    return 3;
}

return result.Succeeded ? 0 : 1;

static async Task<Dictionary<string, Account>> DoubtfulAccountsAsync(ICheckpointStore store, ISource<Account> source, RunKey runKey, IReadOnlyList<InDoubtEffect> doubts)
{
    var found = new Dictionary<string, Account>(StringComparer.Ordinal);
    var plan = await store.GetPlanAsync(runKey.Value, CancellationToken.None);
    foreach (var partition in plan?.Partitions.Where(p => doubts.Any(d => d.PartitionId == p.Id)) ?? [])
    {
        var keys = doubts.Where(d => d.PartitionId == partition.Id).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        await using var reader = await source.OpenAsync(new SourceContext(runKey, partition, 0, _ => { }), CancellationToken.None);
        var buffer = new Account[500];
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            foreach (var account in buffer.AsSpan(0, read))
            {
                var key = IdempotencyGuard.DeriveKey(runKey, partition.Id, LedgerStep.RecordKey(account));
                if (keys.Contains(key))
                {
                    found[key] = account;
                }
            }
        }
    }

    return found;
}
