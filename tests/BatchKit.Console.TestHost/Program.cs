// A console app for BatchKit.Console's tests: a small real job (row ranges, a slow step, every 97th record an error
// record) run with RunWithConsoleProgressAsync, so a test can watch its live display in a terminal (tmux) or read its
// progress lines from redirected output. The last line is the RunResult's counts.
//   BatchKit.Console.TestHost DIR [partitions=6] [rows=400] [delay-ms=2] [parallelism=2] [log-ms=5000]
using System.Globalization;
using BatchKit;

var directory = args[0];
var settings = args.Skip(1).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
int Setting(string name, int fallback) => settings.TryGetValue(name, out var value) ? value : fallback;
var partitions = Setting("partitions", 6);
var rows = Setting("rows", 400);
var delay = TimeSpan.FromMilliseconds(Setting("delay-ms", 2));

Directory.CreateDirectory(directory);
await using var store = new SqliteCheckpointStore(Path.Combine(directory, "state.db"));
var job = Job.Create("console-progress")
    .ReadFrom(new EnumerableSource<long>(p =>
    {
        var (start, end) = PartitionDescriptor.ParseRows(p.Descriptor);
        return Enumerable.Range(0, (int)(end - start)).Select(i => start + i);
    }))
    .PartitionBy(Partitioners.RowRanges((long)partitions * rows, rows))
    .Validate(v => v % 97 == 0 ? "a multiple of 97" : null)
    .AddStep(new SlowStep(delay))
    .WriteTo(new JsonLinesSink<long>(Path.Combine(directory, "output")))
    .WithParallelism(Setting("parallelism", 2))
    .WithCommitInterval(20)
    .Configure(o => o.MaxErrorRate = 0.05)
    .UseCheckpointStore(store)
    .Build();

var display = new ConsoleProgressOptions { LogInterval = TimeSpan.FromMilliseconds(Setting("log-ms", 5000)) };
var result = await new JobRunner(job).RunWithConsoleProgressAsync(RunParameters.Of("batch", "b1"), new RunOptions(), display);
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"result status={result.Status} partitions={result.Partitions} read={result.RecordsRead} written={result.RecordsWritten} errors={result.Errors} in-doubt={result.InDoubt}"));
return result.Succeeded ? 0 : 1;

/// <summary>A step that takes its time, so the progress is visible.</summary>
internal sealed class SlowStep(TimeSpan delay) : IStep<long, long>
{
    public async ValueTask ExecuteAsync(long record, StepOutput<long> output, StepContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken);
        output.Emit(record * 2);
    }
}
