using System.Collections.Concurrent;
using System.Globalization;
using BatchKit;
using BatchKit.DuckDb;
using BatchKit.Parquet;
using DuckDB.NET.Data;
using Parquet;
using Parquet.Schema;

namespace NightlyCompare;

/// <summary>One input row of the group-by job: a sale of a store.</summary>
/// <param name="Store">The store name (a few hundred values, dictionary-encoded in the file).</param>
/// <param name="DayNumber">The UTC day of <c>ts</c>, as <see cref="DateOnly.DayNumber"/>.</param>
/// <param name="Quantity">The quantity.</param>
/// <param name="AmountCents">The amount in cents.</param>
public readonly record struct Sale(string Store, int DayNumber, int Quantity, long AmountCents);

/// <summary>A partial aggregate of one (store, day): what the combiner stages. Every property is staged by the compiled binary serializer.</summary>
public sealed record StoreDayPartial(string Store, int DayNumber, long Sales, long Quantity, long AmountCents, long MinAmountCents, long MaxAmountCents);

/// <summary>One row of <c>store_daily</c>.</summary>
public sealed record StoreDay(string Store, DateOnly Day, long Sales, long Quantity, long AmountCents, long MinAmountCents, long MaxAmountCents);

/// <summary>
/// The low-cardinality group-by: millions of sales (a string store key of a few hundred values, a timestamp bucketed
/// by day, integer measures; dictionary-encoded, ZSTD, several row groups) into tens of thousands of (store, day)
/// groups: count, sums, minimum and maximum.
/// </summary>
internal static class GroupByJob
{
    public const string TableName = "store_daily";
    public const string ColumnList = "store, day, sales, quantity, amount_cents, min_amount_cents, max_amount_cents";
    public const int Stores = 400;
    public const int Days = 90;
    public const int RowGroupSize = 500_000;
    public const int PartitionCount = 16;
    private static readonly DateOnly FirstDay = new(2026, 9, 1);

    /// <summary>Writes <paramref name="rows"/> sales over <paramref name="files"/> files, deterministic for a seed.</summary>
    public static async Task GenerateAsync(string directory, long rows, int files, int seed, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var store = new DataField<string>("store");
        var ts = new DateTimeDataField("ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros);
        var quantity = new DataField<int>("quantity");
        var amount = new DataField<long>("amount_cents");
        var schema = new ParquetSchema(store, ts, quantity, amount);
        var names = Enumerable.Range(0, Stores).Select(i => string.Create(CultureInfo.InvariantCulture, $"store-{i:D3}-{(char)('a' + (i % 26))}")).ToArray();
        var random = new Random(seed);
        var start = FirstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks;
        for (var f = 0; f < files; f++)
        {
            var count = (rows / files) + (f < rows % files ? 1 : 0);
            var path = Path.Combine(directory, $"sales-{f:D4}.parquet");
            await using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
            await using var writer = await ParquetWriter.CreateAsync(schema, file, new ParquetOptions { CompressionMethod = CompressionMethod.Zstd, DictionaryEncodingThreshold = 0.8 }, false, cancellationToken);
            for (long written = 0; written < count; written += RowGroupSize)
            {
                var n = (int)Math.Min(RowGroupSize, count - written);
                var stores = new ReadOnlyMemory<char>?[n];
                var times = new DateTime[n];
                var quantities = new int[n];
                var amounts = new long[n];
                for (var i = 0; i < n; i++)
                {
                    // Skewed stores (a few are busy), uniform time over the days.
                    stores[i] = names[(int)(Math.Pow(random.NextDouble(), 2) * Stores)].AsMemory();
                    times[i] = new DateTime(start + (long)(random.NextDouble() * Days * TimeSpan.TicksPerDay) / 10 * 10, DateTimeKind.Utc);
                    quantities[i] = 1 + random.Next(20);
                    amounts[i] = 50 + random.Next(100_000);
                }

                using var rowGroup = writer.CreateRowGroup();
                await rowGroup.WriteAsync(store, new ReadOnlyMemory<ReadOnlyMemory<char>?>(stores), null, null, cancellationToken);
                await rowGroup.WriteAsync(ts, new ReadOnlyMemory<DateTime>(times), null, null, cancellationToken);
                await rowGroup.WriteAsync(quantity, new ReadOnlyMemory<int>(quantities), null, null, cancellationToken);
                await rowGroup.WriteAsync(amount, new ReadOnlyMemory<long>(amounts), null, null, cancellationToken);
            }
        }
    }

    /// <summary>(a) and (d): the job through BatchKit, with the combiner or with the rows shuffled.</summary>
    public static async Task<string> RunBatchKitAsync(string input, string warehouse, int parallelism, bool combine)
    {
        var connection = "Data Source=" + Path.GetFullPath(warehouse);
        var sink = new DuckDbSink<StoreDay>(new DuckDbTableMapping<StoreDay>(TableName).HasKey(x => x.Store, x => x.Day), new DuckDbSinkOptions
        {
            ConnectionString = connection,
            Disposition = WriteDisposition.ReplacePartition,
            Slice = context => DuckDbSlice.Where(
                $"(day - DATE '0001-01-01') % {PartitionCount} = $bucket", ("bucket", PartitionDescriptor.ParseHash(context.Partition.Descriptor).Bucket)),
            RunSlice = _ => DuckDbSlice.Where("true"),
        });
        await using var store = new SqliteCheckpointStore(Path.ChangeExtension(Path.GetFullPath(warehouse), ".state.db"));
        var sales = Job.Create("store-daily")
            .ReadFrom(new ParquetSource<Sale>(new SaleRowMapper()))
            .PartitionBy(ParquetPartitioner.ForDirectory(input, "*.parquet", rowGroupsPerPartition: 1));
        var days = combine
            ? sales.AggregateBy(HashPartitioner<StoreDayPartial>.ByInt64(PartitionCount, p => p.DayNumber), () => new StoreDayAggregator())
            : sales.ShuffleBy(HashPartitioner<Sale>.ByInt64(PartitionCount, s => s.DayNumber)).Aggregate(() => new StoreDayAggregator());
        var job = days
            .WriteTo(sink)
            .WithParallelism(parallelism)
            .WithCommitInterval(20_000)
            .Configure(o => o.StagingDirectory = Path.ChangeExtension(Path.GetFullPath(warehouse), ".staging"))
            .UseCheckpointStore(store)
            .Build();
        var result = await new JobRunner(job).RunAsync(RunParameters.Of("input", "sales"));
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"the run ended {result.Status}: {result.Exception}");
        }

        return FormattableString.Invariant($"records_in={result.RecordsRead} rows={result.RecordsWritten} errors={result.Errors}");
    }

    /// <summary>(b): one DuckDB statement.</summary>
    public static string RunDuckDb(string input, string warehouse, int threads)
    {
        var pattern = Path.Combine(Path.GetFullPath(input), "*.parquet").Replace("'", "''", StringComparison.Ordinal);
        using var connection = new DuckDBConnection("Data Source=" + Path.GetFullPath(warehouse));
        connection.Open();
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET threads = {threads}"));
        Execute(connection, "SET TimeZone = 'UTC'");
        Execute(connection, $"""
            CREATE TABLE {TableName} AS
            SELECT store, CAST(ts AS DATE) AS day, count(*) AS sales, sum(quantity)::BIGINT AS quantity, sum(amount_cents)::BIGINT AS amount_cents,
                   min(amount_cents) AS min_amount_cents, max(amount_cents) AS max_amount_cents
            FROM read_parquet('{pattern}')
            GROUP BY ALL
            """);
        return FormattableString.Invariant($"rows={Count(connection, $"SELECT count(*) FROM {TableName}")}");
    }

    /// <summary>(c): Parquet.Net by hand: worker tasks take row groups, aggregate into their own dictionaries, merged at the end, then the appender loads the table.</summary>
    public static async Task<string> RunHandWrittenAsync(string input, string warehouse, int workers)
    {
        var units = new ConcurrentQueue<(string Path, int RowGroup)>();
        foreach (var path in Directory.GetFiles(input, "*.parquet").Order(StringComparer.Ordinal))
        {
            await using var reader = await ParquetReader.CreateAsync(path);
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                units.Enqueue((path, g));
            }
        }

        long read = 0;
        var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            var aggregator = new StoreDayAggregator();
            string?[] stores = [];
            DateTime[] times = [];
            int[] quantities = [];
            long[] amounts = [];
            while (units.TryDequeue(out var unit))
            {
                await using var reader = await ParquetReader.CreateAsync(unit.Path);
                using var rowGroup = reader.OpenRowGroupReader(unit.RowGroup);
                var fields = reader.Schema.GetDataFields();
                var n = checked((int)rowGroup.RowCount);
                if (stores.Length < n)
                {
                    (stores, times, quantities, amounts) = (new string?[n], new DateTime[n], new int[n], new long[n]);
                }

                await rowGroup.ReadAsync(fields.Single(f => f.Name == "store"), stores.AsMemory(0, n), null, default);
                await rowGroup.ReadAsync(fields.Single(f => f.Name == "ts"), times.AsMemory(0, n), null, default);
                await rowGroup.ReadAsync(fields.Single(f => f.Name == "quantity"), quantities.AsMemory(0, n), null, default);
                await rowGroup.ReadAsync(fields.Single(f => f.Name == "amount_cents"), amounts.AsMemory(0, n), null, default);
                for (var i = 0; i < n; i++)
                {
                    aggregator.Add(new Sale(stores[i]!, (int)(times[i].Ticks / TimeSpan.TicksPerDay), quantities[i], amounts[i]));
                }

                Interlocked.Add(ref read, n);
            }

            return aggregator;
        })));
        var total = results[0];
        foreach (var other in results.Skip(1))
        {
            foreach (var partial in other.CompletePartials())
            {
                total.Merge(partial);
            }
        }

        using var connection = new DuckDBConnection("Data Source=" + Path.GetFullPath(warehouse));
        connection.Open();
        Execute(connection, new DuckDbTableMapping<StoreDay>(TableName).ToCreateTableSql());
        long rows = 0;
        using (var appender = connection.CreateAppender(TableName))
        {
            foreach (var day in total.Complete())
            {
                appender.CreateRow().AppendValue(day.Store).AppendValue(day.Day).AppendValue(day.Sales).AppendValue(day.Quantity)
                    .AppendValue(day.AmountCents).AppendValue(day.MinAmountCents).AppendValue(day.MaxAmountCents).EndRow();
                rows++;
            }
        }

        return FormattableString.Invariant($"records_in={read} rows={rows}");
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Count(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Builds <see cref="Sale"/> records from the decoded columns.</summary>
    private sealed class SaleRowMapper : IParquetRowMapper<Sale>
    {
        public IReadOnlyList<ParquetColumnBinding> Columns { get; } =
        [
            new("store", typeof(string)),
            new("ts", typeof(DateTime)),
            new("quantity", typeof(int)),
            new("amount_cents", typeof(long)),
        ];

        public void Map(ParquetColumnBatch batch, int firstRow, Span<Sale> destination)
        {
            var stores = batch.GetValues<string?>(0).AsSpan(firstRow, destination.Length);
            var times = batch.GetValues<DateTime>(1).AsSpan(firstRow, destination.Length);
            var quantities = batch.GetValues<int>(2).AsSpan(firstRow, destination.Length);
            var amounts = batch.GetValues<long>(3).AsSpan(firstRow, destination.Length);
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = new Sale(stores[i]!, (int)(times[i].Ticks / TimeSpan.TicksPerDay), quantities[i], amounts[i]);
            }
        }
    }

    /// <summary>Count, sums, minimum and maximum per (store, day); partials merge by adding and comparing.</summary>
    private sealed class StoreDayAggregator : ICombiningAggregator<Sale, StoreDayPartial, StoreDay>
    {
        private readonly Dictionary<(string Store, int Day), Accumulator> _groups = new(1 << 12);

        public void Add(Sale record)
        {
            ref var group = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_groups, (record.Store, record.DayNumber), out var exists);
            if (!exists)
            {
                group.Min = long.MaxValue;
                group.Max = long.MinValue;
            }

            group.Sales++;
            group.Quantity += record.Quantity;
            group.Amount += record.AmountCents;
            group.Min = Math.Min(group.Min, record.AmountCents);
            group.Max = Math.Max(group.Max, record.AmountCents);
        }

        public void Merge(StoreDayPartial partial)
        {
            ref var group = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_groups, (partial.Store, partial.DayNumber), out var exists);
            if (!exists)
            {
                group.Min = long.MaxValue;
                group.Max = long.MinValue;
            }

            group.Sales += partial.Sales;
            group.Quantity += partial.Quantity;
            group.Amount += partial.AmountCents;
            group.Min = Math.Min(group.Min, partial.MinAmountCents);
            group.Max = Math.Max(group.Max, partial.MaxAmountCents);
        }

        public IEnumerable<StoreDayPartial> CompletePartials() =>
            _groups.Select(g => new StoreDayPartial(g.Key.Store, g.Key.Day, g.Value.Sales, g.Value.Quantity, g.Value.Amount, g.Value.Min, g.Value.Max)).ToList();

        public IEnumerable<StoreDay> Complete() =>
            _groups.Select(g => new StoreDay(g.Key.Store, DateOnly.FromDayNumber(g.Key.Day), g.Value.Sales, g.Value.Quantity, g.Value.Amount, g.Value.Min, g.Value.Max)).ToList();

        private struct Accumulator
        {
            public long Sales;
            public long Quantity;
            public long Amount;
            public long Min;
            public long Max;
        }
    }
}
