using System.Globalization;
using BatchKit.Testing;

namespace BatchKit.DuckDb.Tests;

/// <summary>The sink contract (BatchKit.Testing) for the DuckDB sink, with the SQLite store; one derived class per disposition.</summary>
public abstract class DuckDbSinkContractTests : SinkContract<Event>, IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly string _state = Path.Combine(Path.GetTempPath(), "batchkit-duckdb-state-" + Guid.NewGuid().ToString("N") + ".db");

    protected abstract WriteDisposition Disposition { get; }

    public void Dispose()
    {
        _db.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _state, _state + "-wal", _state + "-shm" })
        {
            File.Delete(file);
        }

        GC.SuppressFinalize(this);
    }

    protected override ISink<Event> CreateSink() =>
        new DuckDbSink<Event>(new DuckDbTableMapping<Event>("events").HasKey(e => e.Id), new DuckDbSinkOptions
        {
            ConnectionString = _db.ConnectionString,
            Disposition = Disposition,
            // A partition's slice is its row range: the contract's record i has Id i.
            Slice = context =>
            {
                var (start, end) = PartitionDescriptor.ParseRows(context.Partition.Descriptor);
                return DuckDbSlice.Where("id >= $start AND id < $end", ("start", start), ("end", end));
            },
        });

    protected override ICheckpointStore CreateStore() => new SqliteCheckpointStore(_state);

    protected override Event CreateRecord(int index) => new(index, index * 10L, "event-" + index);

    protected override ValueTask<IReadOnlyList<Event>> ReadPublishedAsync(RunKey runKey, CancellationToken cancellationToken)
    {
        if (_db.Count("SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'") == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<Event>>([]);
        }

        var rows = _db.Rows("SELECT id, seq, name FROM events")
            .Select(r => r.Split('|'))
            .Select(v => new Event(long.Parse(v[0], CultureInfo.InvariantCulture), long.Parse(v[1], CultureInfo.InvariantCulture), v[2]))
            .ToList();
        return ValueTask.FromResult<IReadOnlyList<Event>>(rows);
    }
}

/// <summary>The sink contract for the DuckDB sink's Upsert disposition.</summary>
public sealed class DuckDbUpsertSinkContractTests : DuckDbSinkContractTests
{
    protected override WriteDisposition Disposition => WriteDisposition.Upsert;
}

/// <summary>The sink contract for the DuckDB sink's ReplacePartition disposition.</summary>
public sealed class DuckDbReplacePartitionSinkContractTests : DuckDbSinkContractTests
{
    protected override WriteDisposition Disposition => WriteDisposition.ReplacePartition;
}
