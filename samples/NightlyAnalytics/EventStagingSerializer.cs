using System.Buffers.Binary;
using BatchKit;

namespace NightlyAnalytics;

/// <summary>Stages an <see cref="Event"/> as 33 little-endian bytes: user, session, type code, timestamp ticks, duration.</summary>
public sealed class EventStagingSerializer : IStagingSerializer<Event>
{
    /// <summary>The size of one staged record, in bytes.</summary>
    public const int RecordSize = 33;

    /// <inheritdoc/>
    public void Write(BinaryWriter writer, Event record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> bytes = stackalloc byte[RecordSize];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, record.UserId);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], record.SessionId);
        bytes[16] = record.EventTypeCode;
        BinaryPrimitives.WriteInt64LittleEndian(bytes[17..], record.TimestampTicks);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes[25..], record.DurationMs);
        writer.Write(bytes);
    }

    /// <inheritdoc/>
    public Event Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Span<byte> bytes = stackalloc byte[RecordSize];
        reader.BaseStream.ReadExactly(bytes);
        return new Event(
            BinaryPrimitives.ReadInt64LittleEndian(bytes),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]),
            bytes[16],
            BinaryPrimitives.ReadInt64LittleEndian(bytes[17..]),
            BinaryPrimitives.ReadDoubleLittleEndian(bytes[25..]));
    }
}
