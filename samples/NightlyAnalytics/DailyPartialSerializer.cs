using BatchKit;

namespace NightlyAnalytics;

/// <summary>Stages a <see cref="DailyPartial"/>: user, type code, hour, count, duration, then the session ids (count first).</summary>
public sealed class DailyPartialSerializer : IStagingSerializer<DailyPartial>
{
    /// <inheritdoc/>
    public void Write(BinaryWriter writer, DailyPartial record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(record);
        writer.Write(record.UserId);
        writer.Write(record.TypeCode);
        writer.Write(record.Hour);
        writer.Write7BitEncodedInt64(record.Count);
        writer.Write(record.DurationMs);
        writer.Write7BitEncodedInt(record.Sessions.Length);
        foreach (var session in record.Sessions)
        {
            writer.Write(session);
        }
    }

    /// <inheritdoc/>
    public DailyPartial Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var user = reader.ReadInt64();
        var type = reader.ReadByte();
        var hour = reader.ReadByte();
        var count = reader.Read7BitEncodedInt64();
        var duration = reader.ReadDouble();
        var sessions = new long[reader.Read7BitEncodedInt()];
        for (var i = 0; i < sessions.Length; i++)
        {
            sessions[i] = reader.ReadInt64();
        }

        return new DailyPartial(user, type, hour, count, duration, sessions);
    }
}
