using System.Diagnostics;
using BatchKit;
using BatchKit.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace PostgresScaleOut;

/// <summary>
/// (c) The COPY sink's throughput: <see cref="PostgresSink{T}"/> Upsert (binary COPY into a temporary table, the fence
/// row, a set-based merge) vs the same done by hand with Npgsql (binary COPY into a temporary table, then
/// <c>INSERT ... SELECT ... ON CONFLICT DO UPDATE</c>), chunk by chunk into the same empty table.
/// </summary>
internal static class CopySink
{
    public static async Task<bool> RunAsync(int rows, int chunk, int rounds)
    {
        await using var db = await Bench.CreateDatabaseAsync("bk_bench_copy");
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        await db.ExecuteAsync("CREATE TABLE target (id bigint PRIMARY KEY, name text NOT NULL, value double precision NOT NULL)");
        var records = Enumerable.Range(0, rows).Select(i => new Row(i, "name-" + i, i * 0.5)).ToArray();
        Console.WriteLine($"(c) {rows:N0} rows (bigint, text, double) in chunks of {chunk:N0} into an empty table with a primary key, {rounds} rounds; rows/s, median");
        Bench.Header("writer", "rows/s", "s per round (each)");
        var sink = new PostgresSink<Row>(new PostgresTableMapping<Row>("public.target").HasKey(r => r.Id), new PostgresSinkOptions { DataSource = dataSource, Disposition = WriteDisposition.Upsert });
        await using (sink)
        {
            foreach (var handWritten in new[] { true, false })
            {
                var seconds = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    await db.ExecuteAsync("TRUNCATE target");
                    var started = Stopwatch.GetTimestamp();
                    if (handWritten)
                    {
                        for (var from = 0; from < rows; from += chunk)
                        {
                            await HandWrittenChunkAsync(dataSource, records.AsMemory(from, Math.Min(chunk, rows - from)));
                        }
                    }
                    else
                    {
                        var context = new SinkContext(new RunKey("copy", RunParameters.Of("round", round)), new Partition(0, "p0", "x"), null);
                        await using var writer = await sink.OpenAsync(context, default);
                        for (var from = 0; from < rows; from += chunk)
                        {
                            await writer.WriteAsync(records.AsMemory(from, Math.Min(chunk, rows - from)), default);
                            await writer.CommitAsync(default);
                        }
                    }

                    seconds.Add(Bench.Seconds(started));
                    var count = await db.ScalarAsync("SELECT count(*) FROM target");
                    if (count != rows)
                    {
                        Console.Error.WriteLine($"{(handWritten ? "hand-written" : "sink")} wrote {count} rows, expected {rows}");
                        return false;
                    }
                }

                Bench.Row(handWritten ? "Npgsql binary COPY + merge, by hand" : "PostgresSink<T> Upsert", Bench.F(rows / Bench.Median(seconds), 0), string.Join(" ", seconds.Select(s => Bench.F(s, 2))));
            }
        }

        return true;
    }

    private static async Task HandWrittenChunkAsync(NpgsqlDataSource dataSource, ReadOnlyMemory<Row> rows)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE stage ON COMMIT DROP AS SELECT id, name, value FROM target WITH NO DATA", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var importer = await connection.BeginBinaryImportAsync("COPY stage (id, name, value) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < rows.Length; i++)
            {
                var row = rows.Span[i];
                await importer.StartRowAsync();
                await importer.WriteAsync(row.Id, NpgsqlDbType.Bigint);
                await importer.WriteAsync(row.Name, NpgsqlDbType.Text);
                await importer.WriteAsync(row.Value, NpgsqlDbType.Double);
            }

            await importer.CompleteAsync();
        }

        await using (var merge = new NpgsqlCommand("INSERT INTO target (id, name, value) SELECT id, name, value FROM stage ON CONFLICT (id) DO UPDATE SET name = excluded.name, value = excluded.value", connection))
        {
            await merge.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }
}
