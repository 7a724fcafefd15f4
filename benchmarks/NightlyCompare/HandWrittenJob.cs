using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using DuckDB.NET.Data;
using NightlyAnalytics;
using Parquet;
using Parquet.Schema;

namespace NightlyCompare;

/// <summary>
/// Variant (c): the job written by hand. Worker tasks take the input's row groups one at a time, decode the five
/// columns with Parquet.Net, drop (and count) events without a type, and route each event by <c>user_id % 200</c> into
/// one of 200 dictionaries keyed by (date, user, type, hour), each guarded by its own lock and filled a row group's
/// slice at a time. The result is bulk-loaded with the DuckDB appender into a table created with the sample's own DDL
/// (the same columns, types, NOT NULL and primary key as the table of variant (a)).
/// </summary>
internal sealed class HandWrittenJob
{
    private const int PartitionCount = NightlyJob.PartitionCount;

    private readonly Dictionary<GroupKey, Accumulator>[] _partitions = new Dictionary<GroupKey, Accumulator>[PartitionCount];
    private readonly Lock[] _locks = new Lock[PartitionCount];
    private readonly Dictionary<string, short> _typeIds = new(StringComparer.Ordinal);
    private readonly List<string> _typeNames = [];
    private readonly Lock _typeLock = new();
    private long _read;
    private long _dropped;

    private HandWrittenJob()
    {
        for (var p = 0; p < PartitionCount; p++)
        {
            _partitions[p] = new Dictionary<GroupKey, Accumulator>(1 << 10);
            _locks[p] = new Lock();
        }
    }

    public static async Task<string> RunAsync(string input, string warehouse, int workers)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var job = new HandWrittenJob();
        var units = new ConcurrentQueue<(string Path, int RowGroup)>();
        foreach (var path in Directory.GetFiles(input, "*.parquet").Order(StringComparer.Ordinal))
        {
            await using var reader = await ParquetReader.CreateAsync(path);
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                units.Enqueue((path, g));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => job.WorkAsync(units))));
        var aggregated = clock.Elapsed;
        var rows = job.Load(warehouse);
        return FormattableString.Invariant(
            $"records_in={job._read} rows={rows} dropped={job._dropped} aggregate_s={aggregated.TotalSeconds:F2} load_s={(clock.Elapsed - aggregated).TotalSeconds:F2}");
    }

    private async Task WorkAsync(ConcurrentQueue<(string Path, int RowGroup)> units)
    {
        var columns = new Columns();
        ParquetReader? reader = null;
        string? open = null;
        try
        {
            while (units.TryDequeue(out var unit))
            {
                if (open != unit.Path)
                {
                    if (reader is not null)
                    {
                        await reader.DisposeAsync();
                    }

                    reader = await ParquetReader.CreateAsync(unit.Path);
                    open = unit.Path;
                }

                var count = await columns.ReadAsync(reader!, unit.Path, unit.RowGroup);
                Route(columns, count);
            }
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync();
            }
        }
    }

    /// <summary>Sorts a row group's rows by partition (a counting sort of row indices), then adds each slice under its partition's lock.</summary>
    private void Route(Columns columns, int count)
    {
        var partitionOf = columns.Partition;
        var starts = new int[PartitionCount + 1];
        var users = columns.Users;
        for (var i = 0; i < count; i++)
        {
            var p = (int)(((users[i] % PartitionCount) + PartitionCount) % PartitionCount);
            partitionOf[i] = p;
            starts[p + 1]++;
        }

        for (var p = 0; p < PartitionCount; p++)
        {
            starts[p + 1] += starts[p];
        }

        var order = columns.Order;
        var next = (int[])starts.Clone();
        for (var i = 0; i < count; i++)
        {
            order[next[partitionOf[i]]++] = i;
        }

        // Event types as small ids; dictionary-encoded strings mostly repeat the same instance, so look up only on a change.
        var typeIds = columns.TypeIds;
        var types = columns.Types;
        string? lastName = null;
        short lastId = -1;
        long dropped = 0;
        for (var i = 0; i < count; i++)
        {
            var name = types[i];
            if (name is null)
            {
                typeIds[i] = -1;
                dropped++;
                continue;
            }

            if (!ReferenceEquals(name, lastName))
            {
                lastName = name;
                lastId = TypeId(name);
            }

            typeIds[i] = lastId;
        }

        Interlocked.Add(ref _read, count);
        Interlocked.Add(ref _dropped, dropped);
        var sessions = columns.Sessions;
        var ticks = columns.Ticks;
        var durations = columns.Durations;
        for (var p = 0; p < PartitionCount; p++)
        {
            if (starts[p] == starts[p + 1])
            {
                continue;
            }

            var groups = _partitions[p];
            lock (_locks[p])
            {
                for (var k = starts[p]; k < starts[p + 1]; k++)
                {
                    var i = order[k];
                    if (typeIds[i] < 0)
                    {
                        continue;
                    }

                    var t = ticks[i];
                    var key = new GroupKey(users[i], (int)(t / TimeSpan.TicksPerDay), typeIds[i], (byte)(t / TimeSpan.TicksPerHour % 24));
                    ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(groups, key, out _);
                    group.Add(sessions[i], durations[i]);
                }
            }
        }
    }

    private short TypeId(string name)
    {
        lock (_typeLock)
        {
            if (!_typeIds.TryGetValue(name, out var id))
            {
                id = checked((short)_typeNames.Count);
                _typeIds.Add(name, id);
                _typeNames.Add(name);
            }

            return id;
        }
    }

    /// <summary>Creates the table as the sample's sink does (same columns, types and NOT NULL; no primary key) and appends every group, partition by partition.</summary>
    private long Load(string warehouse)
    {
        var mapping = new BatchKit.DuckDb.DuckDbTableMapping<DailyAggregate>(NightlyJob.TableName);
        using var connection = new DuckDBConnection("Data Source=" + Path.GetFullPath(warehouse));
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = mapping.ToCreateTableSql();
            create.ExecuteNonQuery();
        }

        long rows = 0;
        using (var appender = connection.CreateAppender(NightlyJob.TableName))
        {
            foreach (var groups in _partitions)
            {
                foreach (var (key, group) in groups)
                {
                    var row = (DuckDBAppenderRow)appender.CreateRow();
                    row.AppendValue((DateOnly?)DateOnly.FromDayNumber(key.Day))
                        .AppendValue(key.UserId)
                        .AppendValue(_typeNames[key.TypeId])
                        .AppendValue((int)key.Hour)
                        .AppendValue(group.Count)
                        .AppendValue(group.DistinctSessions)
                        .AppendValue(group.DurationMs)
                        .EndRow();
                    rows++;
                }
            }
        }

        return rows;
    }

    private readonly record struct GroupKey(long UserId, int Day, short TypeId, byte Hour)
    {
        public bool Equals(GroupKey other) => UserId == other.UserId && Day == other.Day && TypeId == other.TypeId && Hour == other.Hour;

        public override int GetHashCode() => (int)(((ulong)UserId * 0x9E3779B97F4A7C15UL) >> 32) ^ (Day << 13) ^ (TypeId << 5) ^ Hour;
    }

    /// <summary>Count, total duration and distinct sessions of a group: the first session inline, further ones in a set.</summary>
    private struct Accumulator
    {
        public long Count;
        public double DurationMs;
        private long _first;
        private long _last;
        private HashSet<long>? _more;

        public readonly long DistinctSessions => 1 + (_more?.Count ?? 0);

        public void Add(long session, double durationMs)
        {
            if (Count++ == 0)
            {
                _first = session;
            }
            else if (session != _last && session != _first)
            {
                (_more ??= []).Add(session);
            }

            _last = session;
            DurationMs += durationMs;
        }
    }

    /// <summary>One worker's column buffers, reused from row group to row group.</summary>
    private sealed class Columns
    {
        private long?[] _nullableLongs = [];
        private double?[] _nullableDoubles = [];
        private DateTime?[] _nullableTimes = [];
        private DateTime[] _times = [];

        public long[] Users { get; private set; } = [];

        public long[] Sessions { get; private set; } = [];

        public string?[] Types { get; private set; } = [];

        public long[] Ticks { get; private set; } = [];

        public double[] Durations { get; private set; } = [];

        public int[] Partition { get; private set; } = [];

        public int[] Order { get; private set; } = [];

        public short[] TypeIds { get; private set; } = [];

        public async Task<int> ReadAsync(ParquetReader reader, string path, int index)
        {
            var fields = reader.Schema.GetDataFields();
            DataField Field(string name) => fields.FirstOrDefault(f => f.Name == name)
                ?? throw new InvalidDataException($"Parquet file '{path}' has no column '{name}'; expected user_id, session_id, event_type, ts and duration_ms.");

            using var rowGroup = reader.OpenRowGroupReader(index);
            var count = checked((int)rowGroup.RowCount);
            if (Users.Length < count)
            {
                Users = new long[count];
                Sessions = new long[count];
                Types = new string?[count];
                Ticks = new long[count];
                Durations = new double[count];
                Partition = new int[count];
                Order = new int[count];
                TypeIds = new short[count];
                _times = new DateTime[count];
            }

            await ReadLongsAsync(rowGroup, Field("user_id"), Users, count, path);
            await ReadLongsAsync(rowGroup, Field("session_id"), Sessions, count, path);
            await rowGroup.ReadAsync(Field("event_type"), Types.AsMemory(0, count), null, default);
            var ts = Field("ts");
            if (ts.IsNullable)
            {
                _nullableTimes = Grow(_nullableTimes, count);
                await rowGroup.ReadAsync(ts, _nullableTimes.AsMemory(0, count), null, default);
                for (var i = 0; i < count; i++)
                {
                    Ticks[i] = (_nullableTimes[i] ?? throw NullValue(path, "ts", index)).Ticks;
                }
            }
            else
            {
                await rowGroup.ReadAsync(ts, _times.AsMemory(0, count), null, default);
                for (var i = 0; i < count; i++)
                {
                    Ticks[i] = _times[i].Ticks;
                }
            }

            var duration = Field("duration_ms");
            if (duration.IsNullable)
            {
                _nullableDoubles = Grow(_nullableDoubles, count);
                await rowGroup.ReadAsync(duration, _nullableDoubles.AsMemory(0, count), null, default);
                for (var i = 0; i < count; i++)
                {
                    Durations[i] = _nullableDoubles[i] ?? throw NullValue(path, "duration_ms", index);
                }
            }
            else
            {
                await rowGroup.ReadAsync(duration, Durations.AsMemory(0, count), null, default);
            }

            return count;
        }

        private async Task ReadLongsAsync(ParquetRowGroupReader rowGroup, DataField field, long[] values, int count, string path)
        {
            if (!field.IsNullable)
            {
                await rowGroup.ReadAsync(field, values.AsMemory(0, count), null, default);
                return;
            }

            _nullableLongs = Grow(_nullableLongs, count);
            await rowGroup.ReadAsync(field, _nullableLongs.AsMemory(0, count), null, default);
            for (var i = 0; i < count; i++)
            {
                values[i] = _nullableLongs[i] ?? throw NullValue(path, field.Name, -1);
            }
        }

        private static T[] Grow<T>(T[] array, int count) => array.Length >= count ? array : new T[count];

        private static InvalidDataException NullValue(string path, string column, int rowGroup) =>
            new($"Parquet file '{path}' row group {rowGroup}: column '{column}' holds a null; expected a value in every row.");
    }
}
