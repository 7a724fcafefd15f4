// BatchKit BulkEmail: sends one email to each of N generated recipients through a local SMTP server, rate-limited,
// each send guarded by AddSideEffect so that no recipient gets two emails across kills and reruns.
using System.Globalization;
using System.Net.Sockets;
using BatchKit;
using BulkEmail;

BulkEmailSettings settings;
try
{
    // null: --help was shown.
    if (BulkEmailSettings.Parse(args) is not { } parsed)
    {
        return 0;
    }

    settings = parsed;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"bulkemail: {ex.Message}");
    return 2;
}

if (!await SmtpReachableAsync(settings.SmtpHost, settings.SmtpPort))
{
    Console.Error.WriteLine($"bulkemail: no SMTP server answers on {settings.SmtpHost}:{settings.SmtpPort}. Start one with:");
    Console.Error.WriteLine($"  python3 -m aiosmtpd -n -l {settings.SmtpHost}:{settings.SmtpPort}");
    Console.Error.WriteLine("(Debian: apt-get install python3-aiosmtpd), or pass --smtp HOST:PORT.");
    return 2;
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.StatePath))!);
await using var store = new SqliteCheckpointStore(settings.StatePath);
await using var mailer = new Mailer(settings.SmtpHost, settings.SmtpPort, settings.From);
using var limiter = RateLimits.PerSecond(settings.RatePerSecond);
var job = Job.Create("bulk-email")
    .ReadFrom(new EnumerableSource<Recipient>(Recipients.OfPartition))
    .PartitionBy(Partitioners.RowRanges(settings.Recipients, settings.RecipientsPerPartition))
    .AddSideEffect(r => r.Address, (r, key, token) => mailer.SendAsync(r, settings.Campaign, key, token), limiter, name: "send")
    .WriteTo(new JsonLinesSink<Recipient>(settings.SentLogDirectory))
    .WithParallelism(settings.Parallelism)
    .WithCommitInterval(settings.CommitInterval)
    .Configure(o =>
    {
        // A killed process keeps the run lease until it expires; a rerun waits that long, then takes it over.
        o.LeaseDuration = settings.LeaseDuration;
        o.LeaseWaitTimeout = settings.LeaseDuration * 2;
    })
    .UseCheckpointStore(store)
    .Build();

using var shutdown = new GracefulShutdown();
RunResult result;
try
{
    // Progress: a bar per running partition on a terminal, a "progress run=..." line every 5 s when output is redirected.
    result = await new JobRunner(job).RunWithConsoleProgressAsync(RunParameters.Of("campaign", settings.Campaign), shutdown.Token);
}
catch (OperationCanceledException) when (shutdown.IsRequested)
{
    Console.WriteLine("Stopped at a chunk boundary; run again to resume.");
    return GracefulShutdown.ResumableExitCode;
}

// In-doubt sends: claimed by an attempt that stopped (a crash, a lost connection) before the server's answer was
// recorded. They are never repeated automatically; the recipient each key belongs to is found by deriving the keys again.
var doubts = await store.ListInDoubtEffectsAsync(result.RunKey.Value, CancellationToken.None);
foreach (var doubt in doubts)
{
    var recipient = Recipients.ForKey(result.RunKey, doubt.PartitionId, doubt.Key, settings.Recipients);
    Console.WriteLine($"in doubt: key={doubt.Key} partition={doubt.PartitionId} recipient={recipient?.Address ?? "?"} message_id={Mailer.MessageId(doubt.Key)}");
}

Console.WriteLine(result.WasAlreadyCompleted
    ? $"Run {result.RunKey} already completed: nothing to send (delete {settings.StatePath} to start over)."
    : $"Run {result.RunKey} {result.Status}.");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"bulkemail: status={result.Status} recipients={result.RecordsRead} sent_or_confirmed={result.RecordsWritten} in_doubt={doubts.Count} errors={result.Errors} sent_now={mailer.Sent} elapsed_s={result.Elapsed.TotalSeconds:F2} rate_per_s={(result.Elapsed.TotalSeconds > 0 ? mailer.Sent / result.Elapsed.TotalSeconds : 0):F1}"));
if (result.Exception is not null)
{
    Console.Error.WriteLine($"bulkemail: the run failed: {result.Exception.Message}");
}

if (doubts.Count > 0)
{
    Console.WriteLine($"{doubts.Count} send(s) are in doubt: check the mail server's log for their Message-IDs, resolve each with `batchkit` (or ResolveInDoubtEffectAsync: happened=false sends it on the next run) and run again.");
    return 3;
}

return result.Succeeded ? 0 : 1;

static async Task<bool> SmtpReachableAsync(string host, int port)
{
    try
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await client.ConnectAsync(host, port, timeout.Token);
        return true;
    }
    catch (Exception ex) when (ex is SocketException or OperationCanceledException)
    {
        return false;
    }
}
