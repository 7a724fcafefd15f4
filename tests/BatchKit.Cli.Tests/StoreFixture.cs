using System.Globalization;

namespace BatchKit.Cli.Tests;

/// <summary>
/// A real state store written by real runs of one job ("orders", 300 records in 3 row-range partitions, JSON Lines
/// output): a clean run, a run with invalid records and a side effect in doubt, and a run whose last partition fails.
/// Derived fixtures keep it in a SQLite file or a PostgreSQL schema; the command tests run against both.
/// </summary>
public abstract class StoreFixture : IAsyncLifetime
{
    public static readonly RunParameters Clean = RunParameters.Of("date", new DateOnly(2026, 11, 20));
    public static readonly RunParameters WithErrors = RunParameters.Of("date", new DateOnly(2026, 11, 21));
    public static readonly RunParameters WithFailure = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    private readonly string _root = Path.Combine(Path.GetTempPath(), "batchkit-cli-tests-" + Guid.NewGuid().ToString("N"));

    public string Root => _root;

    public RunResult CleanRun { get; private set; } = null!;

    public RunResult ErrorRun { get; private set; } = null!;

    public RunResult FailedRun { get; private set; } = null!;

    public List<SlaAlert> Alerts { get; } = [];

    /// <summary>Gets the store the runs were written to.</summary>
    public abstract CliStore Store { get; }

    /// <summary>Makes a fresh copy of the store for a test that changes it.</summary>
    public abstract Task<CliStore> CopyStoreAsync();

    public static IReadOnlyList<Order> Orders()
    {
        var orders = new List<Order>();
        for (var id = 1; id <= 300; id++)
        {
            // Orders 10, 20, … 50 have a negative amount: invalid.
            var amount = id % 10 == 0 && id <= 50 ? -id : id * 1.5m;
            orders.Add(new Order(id, "customer-" + (id % 7).ToString(CultureInfo.InvariantCulture), amount));
        }

        return orders;
    }

    /// <summary>Builds the job. <paramref name="invalid"/> turns the validation on, <paramref name="doubtOn"/> makes that order's side effect time out once, <paramref name="failFrom"/> fails every order from that id on.</summary>
    public Job Build(ICheckpointStore store, bool invalid, long doubtOn, long failFrom, IAlertSink? alerts = null)
    {
        var doubted = 0;
        var builder = Job.Create("orders")
            .ReadFrom(EnumerableSource<Order>.FromList(Orders()))
            .PartitionBy(Partitioners.RowRanges(300, 100));
        if (invalid)
        {
            builder = builder.Validate(o => o.Amount < 0 ? $"amount {o.Amount} is negative" : null);
        }

        return builder
            .AddSideEffect(o => "receipt-" + o.Id.ToString(CultureInfo.InvariantCulture), (o, _, _) =>
                o.Id == doubtOn && Interlocked.Exchange(ref doubted, 1) == 0
                    ? throw new TimeoutException("the receipt service did not answer")
                    : ValueTask.CompletedTask)
            .Select(o => o.Id >= failFrom ? throw new BatchKitException($"order {o.Id} cannot be priced") { IsTransient = false } : o)
            .WriteTo(new JsonLinesSink<Order>(Path.Combine(_root, "output")))
            .WithCommitInterval(25)
            .WithSla(s =>
            {
                s.Completeness(tolerance: 0.001).MinRecords(100).MaxErrorRate(0.05).MaxDuration(TimeSpan.FromMinutes(10)).MaxPendingPartitions(0).Availability(0.5, TimeSpan.FromDays(30));
                if (alerts is not null)
                {
                    s.AlertTo(alerts);
                }
            })
            .Configure(o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
                o.MaxPartitionAttempts = 2;
                o.MaxErrorRate = 0.05;
            })
            .UseCheckpointStore(store)
            .Build();
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        var alerts = new CollectingAlertSink(Alerts);
        await using var store = Store.Open();
        CleanRun = await new JobRunner(Build(store, invalid: false, doubtOn: -1, failFrom: long.MaxValue, alerts)).RunAsync(Clean);
        ErrorRun = await new JobRunner(Build(store, invalid: true, doubtOn: 142, failFrom: long.MaxValue, alerts)).RunAsync(WithErrors);
        FailedRun = await new JobRunner(Build(store, invalid: false, doubtOn: -1, failFrom: 250, alerts)).RunAsync(WithFailure);
    }

    public virtual Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private sealed class CollectingAlertSink(List<SlaAlert> alerts) : IAlertSink
    {
        public ValueTask RaiseAsync(SlaAlert alert, CancellationToken cancellationToken)
        {
            lock (alerts)
            {
                alerts.Add(alert);
            }

            return ValueTask.CompletedTask;
        }
    }
}
