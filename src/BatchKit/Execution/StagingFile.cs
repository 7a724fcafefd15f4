using System.Buffers.Binary;
using System.Globalization;

namespace BatchKit;

/// <summary>
/// The staging file of one extract partition: the records of every target partition in one file, as segments of up to
/// <see cref="SegmentBytes"/> bytes written sequentially, followed by an index of the segments (target, offset, length,
/// record count) and a trailer (<c>index offset, segment count, format version, "BKSTAGE1"</c>). The file is written
/// under a temporary name, flushed to disk and renamed: it is either complete or absent.
/// </summary>
internal static class StagingFile
{
    public const int SegmentBytes = 1 << 16;
    public const int Version = 1;
    private const int TrailerBytes = 24;
    private const int IndexEntryBytes = 20;
    private static readonly ulong Magic = BinaryPrimitives.ReadUInt64LittleEndian("BKSTAGE1"u8);

    /// <summary>One segment of a staging file: the records of one target partition.</summary>
    public readonly record struct Segment(int Target, long Offset, int Length, int Count);

    /// <summary>Reads the index of a staging file and returns the segments of one target partition, in file order.</summary>
    /// <exception cref="InvalidDataException">The file is not a complete staging file; the message names it.</exception>
    public static List<Segment> SegmentsOf(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, int target)
    {
        var length = RandomAccess.GetLength(handle);
        Span<byte> trailer = stackalloc byte[TrailerBytes];
        if (length < TrailerBytes || RandomAccess.Read(handle, trailer, length - TrailerBytes) != TrailerBytes
            || BinaryPrimitives.ReadUInt64LittleEndian(trailer[16..]) != Magic)
        {
            throw new InvalidDataException($"The staging file '{path}' ({length} bytes) is not a complete BatchKit staging file: expected the trailer 'BKSTAGE1' at its end.");
        }

        var indexOffset = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        var count = BinaryPrimitives.ReadInt32LittleEndian(trailer[8..]);
        var version = BinaryPrimitives.ReadInt32LittleEndian(trailer[12..]);
        if (version != Version || indexOffset < 0 || count < 0 || indexOffset + ((long)count * IndexEntryBytes) != length - TrailerBytes)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"The staging file '{path}' has a damaged index: version {version} (expected {Version}), {count} segments at offset {indexOffset} in {length} bytes."));
        }

        var index = new byte[count * IndexEntryBytes];
        RandomAccess.Read(handle, index, indexOffset);
        var segments = new List<Segment>();
        for (var i = 0; i < count; i++)
        {
            var entry = index.AsSpan(i * IndexEntryBytes, IndexEntryBytes);
            if (BinaryPrimitives.ReadInt32LittleEndian(entry) == target)
            {
                segments.Add(new Segment(target, BinaryPrimitives.ReadInt64LittleEndian(entry[4..]), BinaryPrimitives.ReadInt32LittleEndian(entry[12..]), BinaryPrimitives.ReadInt32LittleEndian(entry[16..])));
            }
        }

        return segments;
    }

    /// <summary>Writes one extract partition's staging file: buffers each target's records and appends full segments to the file.</summary>
    public sealed class Writer : IDisposable
    {
        private readonly string _final;
        private readonly string _temporary;
        private readonly MemoryStream?[] _buffers;
        private readonly BinaryWriter?[] _writers;
        private readonly int[] _counts;
        private readonly List<Segment> _segments = [];
        private FileStream? _file;
        private long _offset;

        public Writer(string final, string temporarySuffix, int targets)
        {
            _final = final;
            _temporary = final + temporarySuffix;
            _buffers = new MemoryStream?[targets];
            _writers = new BinaryWriter?[targets];
            _counts = new int[targets];
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            _file = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 0);
        }

        public void Write<T>(int target, T record, IStagingSerializer<T> serializer)
        {
            var writer = _writers[target] ??= new BinaryWriter(_buffers[target] = new MemoryStream(SegmentBytes + 256));
            serializer.Write(writer, record);
            _counts[target]++;
            if (_buffers[target]!.Length >= SegmentBytes)
            {
                Spill(target);
            }
        }

        /// <summary>Writes the last segments, the index and the trailer, flushes the file to disk and renames it into place.</summary>
        public void Commit()
        {
            for (var i = 0; i < _buffers.Length; i++)
            {
                if (_counts[i] > 0)
                {
                    Spill(i);
                }
            }

            var tail = new byte[(_segments.Count * IndexEntryBytes) + TrailerBytes];
            var span = tail.AsSpan();
            foreach (var segment in _segments)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span, segment.Target);
                BinaryPrimitives.WriteInt64LittleEndian(span[4..], segment.Offset);
                BinaryPrimitives.WriteInt32LittleEndian(span[12..], segment.Length);
                BinaryPrimitives.WriteInt32LittleEndian(span[16..], segment.Count);
                span = span[IndexEntryBytes..];
            }

            BinaryPrimitives.WriteInt64LittleEndian(span, _offset);
            BinaryPrimitives.WriteInt32LittleEndian(span[8..], _segments.Count);
            BinaryPrimitives.WriteInt32LittleEndian(span[12..], Version);
            BinaryPrimitives.WriteUInt64LittleEndian(span[16..], Magic);
            _file!.Write(tail);
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            _file = null;
            File.Move(_temporary, _final, overwrite: true);
        }

        public void Dispose()
        {
            if (_file is not null)
            {
                _file.Dispose();
                _file = null;
                File.Delete(_temporary);
            }
        }

        private void Spill(int target)
        {
            var buffer = _buffers[target]!;
            _writers[target]!.Flush();
            var length = (int)buffer.Length;
            _file!.Write(buffer.GetBuffer(), 0, length);
            _segments.Add(new Segment(target, _offset, length, _counts[target]));
            _offset += length;
            buffer.SetLength(0);
            _counts[target] = 0;
        }
    }
}
