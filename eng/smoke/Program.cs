// The first program a user writes against the packed BatchKit packages, built outside the repository by
// eng/pack-smoke.sh. It exercises every package from the local feed: the core job (JSON Lines in and out, SQLite state),
// and the adapters' assemblies and native libraries (DuckDB reads the job's output back).
using System.Text.Json;
using BatchKit;
using DuckDB.NET.Data;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: smoke <work folder>");
    return 2;
}

var work = Path.GetFullPath(args[0]);
var input = Path.Combine(work, "input");
var output = Path.Combine(work, "output");
Directory.CreateDirectory(input);

// Three files of 100 orders; order 150 has amount 0 and becomes an error record.
const int Files = 3, PerFile = 100;
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
for (var f = 0; f < Files; f++)
{
    using var writer = new StreamWriter(Path.Combine(input, $"orders-{f:D2}.jsonl"));
    for (var i = 1; i <= PerFile; i++)
    {
        var id = f * PerFile + i;
        writer.WriteLine(JsonSerializer.Serialize(new Order(id, id == 150 ? 0m : id), json));
    }
}

RunResult first;
RunResult second;
await using (var store = new SqliteCheckpointStore(Path.Combine(work, "state.db")))
{
    first = await RunAsync(store);
    second = await RunAsync(store);
}

Console.WriteLine($"first run: {first.Status}, {first.RecordsWritten} written, {first.Errors} errors");
Console.WriteLine($"second run: already completed = {second.WasAlreadyCompleted}");

var lines = Directory.GetFiles(output, "*.jsonl", SearchOption.AllDirectories).Sum(f => File.ReadLines(f).LongCount());

// The DuckDB native library must reach this app through BatchKit.DuckDb's dependencies, without a RuntimeIdentifier.
long duckDbRows;
using (var connection = new DuckDBConnection("DataSource=:memory:"))
{
    connection.Open();
    using var command = connection.CreateCommand();
    command.CommandText = $"SELECT count(*) FROM read_json_auto('{output.Replace("'", "''", StringComparison.Ordinal)}/**/*.jsonl')";
    duckDbRows = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
}

// The adapters' assemblies load and carry the packed version.
string[] adapters =
[
    typeof(BatchKit.Csv.CsvSink<>).Assembly.GetName().Name!,
    typeof(BatchKit.Parquet.ParquetSink<>).Assembly.GetName().Name!,
    typeof(BatchKit.DuckDb.DuckDbSink<>).Assembly.GetName().Name!,
];
Console.WriteLine($"adapters loaded: {string.Join(", ", adapters)}");
Console.WriteLine($"output lines: {lines} (DuckDB counts {duckDbRows})");

const int Expected = Files * PerFile - 1;
var failures = new List<string>();
if (first.Status != RunStatus.Completed) failures.Add($"first run ended {first.Status}, expected Completed");
if (first.RecordsWritten != Expected) failures.Add($"first run wrote {first.RecordsWritten} records, expected {Expected}");
if (first.Errors != 1) failures.Add($"first run reported {first.Errors} errors, expected 1");
if (!second.WasAlreadyCompleted) failures.Add("second run was not a no-op");
if (lines != Expected) failures.Add($"output has {lines} lines, expected {Expected}");
if (duckDbRows != Expected) failures.Add($"DuckDB read {duckDbRows} rows, expected {Expected}");
foreach (var failure in failures)
{
    Console.Error.WriteLine("smoke: " + failure);
}

return failures.Count == 0 ? 0 : 1;

Task<RunResult> RunAsync(SqliteCheckpointStore store)
{
    Job job = Job.Create("smoke-orders")
        .ReadFrom(new JsonLinesSource<Order>())
        .PartitionBy(Partitioners.Files(input, "*.jsonl"))
        .Validate(o => o.Amount > 0 ? null : $"amount must be positive, found {o.Amount}")
        .Select(o => new OrderTotal(o.Id, o.Amount * 1.2m))
        .WriteTo(new JsonLinesSink<OrderTotal>(output))
        .WithParallelism(2)
        .WithCommitInterval(25)
        .UseCheckpointStore(store)
        .Build();
    return new JobRunner(job).RunAsync(RunParameters.Of("date", new DateOnly(2026, 11, 22)));
}

internal sealed record Order(long Id, decimal Amount);

internal sealed record OrderTotal(long Id, decimal Total);
