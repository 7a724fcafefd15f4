using BatchKit.Parquet;

namespace NightlyAnalytics;

/// <summary>Builds <see cref="Event"/> records straight from the decoded Parquet column arrays (no reflection per row).</summary>
public sealed class EventRowMapper : IParquetRowMapper<Event>
{
    /// <inheritdoc/>
    public IReadOnlyList<ParquetColumnBinding> Columns { get; } =
    [
        new("user_id", typeof(long)),
        new("session_id", typeof(long)),
        new("event_type", typeof(string)),
        new("ts", typeof(DateTime)),
        new("duration_ms", typeof(double)),
    ];

    /// <inheritdoc/>
    public void Map(ParquetColumnBatch batch, int firstRow, Span<Event> destination)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var users = batch.GetValues<long>(0).AsSpan(firstRow, destination.Length);
        var sessions = batch.GetValues<long>(1).AsSpan(firstRow, destination.Length);
        var types = batch.GetValues<string?>(2).AsSpan(firstRow, destination.Length);
        var timestamps = batch.GetValues<DateTime>(3).AsSpan(firstRow, destination.Length);
        var durations = batch.GetValues<double>(4).AsSpan(firstRow, destination.Length);
        string? lastName = null;
        byte lastCode = EventTypes.NullCode;
        for (var i = 0; i < destination.Length; i++)
        {
            // Dictionary-encoded columns often hand out the same string instance: skip the lookup when it repeats.
            var name = types[i];
            if (!ReferenceEquals(name, lastName))
            {
                lastName = name;
                lastCode = EventTypes.CodeOf(name);
            }

            destination[i] = new Event(users[i], sessions[i], lastCode, timestamps[i].Ticks, durations[i]);
        }
    }
}
