using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace NightlyAnalytics;

/// <summary>
/// Writes deterministic synthetic events as Parquet: the same count, file count, seed and date give byte-identical files.
/// </summary>
/// <remarks>
/// Events come in sessions: a session belongs to one user (users are skewed: a power distribution over about
/// <c>events / 50</c> users), starts at a uniform moment of the day, and holds a geometric number of events (mean 10)
/// a few seconds to minutes apart, ending at midnight at the latest. Event types are weighted (page views most, purchases
/// rare); about 0.01% of them are null. Durations are whole milliseconds.
/// </remarks>
public static class EventGenerator
{
    /// <summary>The default number of files.</summary>
    public const int DefaultFiles = 4;

    /// <summary>The default seed.</summary>
    public const int DefaultSeed = 42;

    /// <summary>The default number of rows per row group.</summary>
    public const int DefaultRowGroupSize = 1 << 20;

    private static readonly (byte Code, int Weight)[] TypeWeights = [(0, 50), (1, 20), (2, 10), (3, 8), (4, 3), (5, 5), (6, 4)];

    /// <summary>Generates the events into <c>events-0000.parquet</c>, … in a folder, replacing earlier <c>events-*.parquet</c> files.</summary>
    /// <param name="directory">The output folder; created when absent.</param>
    /// <param name="events">The number of events.</param>
    /// <param name="files">The number of files the events are split across.</param>
    /// <param name="seed">The random seed.</param>
    /// <param name="date">The day the timestamps fall in (UTC).</param>
    /// <param name="rowGroupSize">The maximum rows per row group.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The file paths, in order.</returns>
    public static async Task<IReadOnlyList<string>> GenerateAsync(
        string directory, long events, int files = DefaultFiles, int seed = DefaultSeed, DateOnly? date = null, int rowGroupSize = DefaultRowGroupSize, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(events);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(files);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowGroupSize);
        Directory.CreateDirectory(directory);
        foreach (var old in Directory.EnumerateFiles(directory, "events-*.parquet*"))
        {
            File.Delete(old);
        }

        var stream = new EventStream(events, seed, date ?? NightlyJob.DefaultDate);
        var paths = new List<string>(files);
        for (var f = 0; f < files; f++)
        {
            var count = (events * (f + 1) / files) - (events * f / files);
            var path = Path.Combine(directory, "events-" + f.ToString("D4", CultureInfo.InvariantCulture) + ".parquet");
            await WriteFileAsync(path, stream, count, rowGroupSize, cancellationToken);
            paths.Add(path);
        }

        return paths;
    }

    private static async Task WriteFileAsync(string path, EventStream stream, long count, int rowGroupSize, CancellationToken cancellationToken)
    {
        var userId = new DataField<long>("user_id");
        var sessionId = new DataField<long>("session_id");
        var eventType = new DataField("event_type", typeof(string), isNullable: true);
        var ts = new DateTimeDataField("ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros);
        var duration = new DataField<double>("duration_ms");
        var schema = new ParquetSchema(userId, sessionId, eventType, ts, duration);

        var size = (int)Math.Min(rowGroupSize, Math.Max(count, 1));
        var users = new long[size];
        var sessions = new long[size];
        var types = new ReadOnlyMemory<char>?[size];
        var times = new DateTime[size];
        var durations = new double[size];
        var temporary = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16))
        {
            await using (var writer = await ParquetWriter.CreateAsync(schema, file, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, cancellationToken))
            {
                for (long written = 0; written < count; written += size)
                {
                    var n = (int)Math.Min(size, count - written);
                    for (var i = 0; i < n; i++)
                    {
                        var e = stream.Next();
                        users[i] = e.UserId;
                        sessions[i] = e.SessionId;
                        types[i] = EventTypes.NameOf(e.EventTypeCode)?.AsMemory();
                        times[i] = new DateTime(e.TimestampTicks, DateTimeKind.Utc);
                        durations[i] = e.DurationMs;
                    }

                    using var rowGroup = writer.CreateRowGroup();
                    await rowGroup.WriteAsync(userId, new ReadOnlyMemory<long>(users, 0, n), null, null, cancellationToken);
                    await rowGroup.WriteAsync(sessionId, new ReadOnlyMemory<long>(sessions, 0, n), null, null, cancellationToken);
                    await rowGroup.WriteAsync(eventType, new ReadOnlyMemory<ReadOnlyMemory<char>?>(types, 0, n), null, null, cancellationToken);
                    await rowGroup.WriteAsync(ts, new ReadOnlyMemory<DateTime>(times, 0, n), null, null, cancellationToken);
                    await rowGroup.WriteAsync(duration, new ReadOnlyMemory<double>(durations, 0, n), null, null, cancellationToken);
                }
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Produces the events one by one, session after session, from one <see cref="Random"/>.</summary>
    private sealed class EventStream(long events, int seed, DateOnly date)
    {
        private const long TicksPerMicrosecond = 10;
        private readonly Random _random = new(seed);
        private readonly long _users = Math.Max(1, events / 50);
        private readonly long _dayStart = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks;
        private long _sessionCounter;
        private long _userId;
        private long _sessionId;
        private long _ts;
        private int _left;

        public Event Next()
        {
            if (_left == 0 || _ts >= _dayStart + TimeSpan.TicksPerDay)
            {
                StartSession();
            }

            var type = _random.Next(10_000) == 0 ? EventTypes.NullCode : PickType();
            var duration = Math.Round(-Math.Log(1 - _random.NextDouble()) * 1500);
            var e = new Event(_userId, _sessionId, type, _ts, duration);
            _left--;
            _ts += ((long)(-Math.Log(1 - _random.NextDouble()) * 45_000_000) + 1) * TicksPerMicrosecond; // mean 45 s
            return e;
        }

        private void StartSession()
        {
            // Power distribution: user k is drawn with probability ~ 1/sqrt(k), so a few users are very active.
            var u = _random.NextDouble();
            _userId = 1 + (long)(_users * u * u);
            _sessionId = ++_sessionCounter;
            _ts = _dayStart + (_random.NextInt64(TimeSpan.TicksPerDay / TicksPerMicrosecond) * TicksPerMicrosecond);
            _left = 1 + (int)(-Math.Log(1 - _random.NextDouble()) * 9); // geometric-like, mean about 10
        }

        private byte PickType()
        {
            var r = _random.Next(100);
            foreach (var (code, weight) in TypeWeights)
            {
                if (r < weight)
                {
                    return code;
                }

                r -= weight;
            }

            return 0;
        }
    }
}
