using System.Runtime.InteropServices;
using BatchKit;

namespace NightlyAnalytics;

/// <summary>
/// Aggregates the events of one partition per (user, event type, hour): count, distinct sessions and total duration.
/// One instance serves one partition attempt. As a combiner, an input partition's instance returns its groups as
/// <see cref="DailyPartial"/> results (the sessions as exact sets) and a hash partition's instance merges them.
/// </summary>
/// <param name="date">The business date written into every result row.</param>
public sealed class DailyAggregator(DateOnly date) : ICombiningAggregator<Event, DailyPartial, DailyAggregate>
{
    private readonly Dictionary<GroupKey, Accumulator> _groups = new(1 << 12);

    /// <inheritdoc/>
    public void Add(Event record)
    {
        var hour = (int)(record.TimestampTicks / TimeSpan.TicksPerHour % 24);
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, new GroupKey(record.UserId, record.EventTypeCode, (byte)hour), out _);
        group.Count++;
        group.DurationMs += record.DurationMs;
        group.Sessions.Add(record.SessionId);
    }

    /// <inheritdoc/>
    public IEnumerable<DailyPartial> CompletePartials()
    {
        var results = new DailyPartial[_groups.Count];
        var i = 0;
        foreach (var (key, group) in _groups)
        {
            results[i++] = new DailyPartial(key.UserId, key.TypeCode, key.Hour, group.Count, group.DurationMs, group.Sessions.ToArray());
        }

        _groups.Clear();
        return results;
    }

    /// <inheritdoc/>
    public void Merge(DailyPartial partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, new GroupKey(partial.UserId, partial.TypeCode, partial.Hour), out _);
        group.Count += partial.Count;
        group.DurationMs += partial.DurationMs;
        foreach (var session in partial.Sessions)
        {
            group.Sessions.Add(session);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<DailyAggregate> Complete()
    {
        var results = new DailyAggregate[_groups.Count];
        var i = 0;
        foreach (var (key, group) in _groups)
        {
            results[i++] = new DailyAggregate(date, key.UserId, EventTypes.NameOf(key.TypeCode)!, key.Hour, group.Count, group.Sessions.Count, group.DurationMs);
        }

        _groups.Clear();
        return results;
    }

    private readonly record struct GroupKey(long UserId, byte TypeCode, byte Hour)
    {
        public bool Equals(GroupKey other) => UserId == other.UserId && TypeCode == other.TypeCode && Hour == other.Hour;

        public override int GetHashCode() => (int)(((ulong)UserId * 0x9E3779B97F4A7C15UL) >> 32) ^ (TypeCode << 8) ^ Hour;
    }

    private struct Accumulator
    {
        public long Count;
        public double DurationMs;
        public SessionSet Sessions;
    }

    /// <summary>
    /// A set of session ids tuned for the common case of few distinct sessions that arrive in runs: the last id is
    /// checked first, then a small array, and only past 16 distinct ids a hash set.
    /// </summary>
    private struct SessionSet
    {
        private const int InlineLimit = 16;
        private long _first;
        private long _last;
        private int _count;
        private long[]? _small;
        private HashSet<long>? _large;

        public readonly int Count => _count;

        public readonly long[] ToArray() => _large is not null ? [.. _large] : _count == 1 ? [_first] : _small.AsSpan(0, _count).ToArray();

        public void Add(long session)
        {
            if (_count > 0 && session == _last)
            {
                return;
            }

            _last = session;
            if (_large is not null)
            {
                if (_large.Add(session))
                {
                    _count++;
                }

                return;
            }

            if (_count == 0)
            {
                _small = null;
                _count = 1;
                _first = session;
                return;
            }

            if (_count == 1)
            {
                if (_first == session)
                {
                    return;
                }

                _small = new long[4];
                _small[0] = _first;
                _small[1] = session;
                _count = 2;
                return;
            }

            var small = _small!;
            for (var i = 0; i < _count; i++)
            {
                if (small[i] == session)
                {
                    return;
                }
            }

            if (_count < InlineLimit)
            {
                if (_count == small.Length)
                {
                    Array.Resize(ref _small, small.Length * 2);
                }

                _small![_count++] = session;
                return;
            }

            _large = new HashSet<long>(small) { session };
            _small = null;
            _count = _large.Count;
        }
    }
}
