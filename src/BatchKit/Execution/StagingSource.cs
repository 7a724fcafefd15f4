using System.Globalization;
using System.Text.Json;

namespace BatchKit;

/// <summary>Reads one target partition from the staging files of every extract partition, in plan order.</summary>
internal sealed class StagingSource<T>(IStagingSerializer<T> serializer, string root, IReadOnlyList<Partition> plan) : ISource<T>
{
    public ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        var (bucket, _) = PartitionDescriptor.ParseHash(context.Partition.Descriptor);
        var files = plan.Where(StagingLayout.IsExtract).Select(p => StagingLayout.File(root, context.RunKey, p.Id, bucket)).Where(System.IO.File.Exists).ToList();
        var reader = new Reader(serializer, files);
        reader.Skip(context.Position);
        return ValueTask.FromResult<ISourceReader<T>>(reader);
    }

    private sealed class Reader(IStagingSerializer<T> serializer, List<string> files) : ISourceReader<T>
    {
        private int _file = -1;
        private FileStream? _stream;
        private BinaryReader? _reader;
        private long _length;

        public long Position { get; private set; }

        public void Skip(long count)
        {
            while (Position < count && Next(out _))
            {
            }
        }

        public ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
        {
            var span = buffer.Span;
            var n = 0;
            while (n < span.Length && Next(out var record))
            {
                span[n++] = record;
            }

            return ValueTask.FromResult(n);
        }

        public ValueTask DisposeAsync()
        {
            _reader?.Dispose();
            _stream?.Dispose();
            return ValueTask.CompletedTask;
        }

        private bool Next(out T record)
        {
            // The length is read once per file: FileStream.Length asks the file system every time.
            while (_stream is null || _stream.Position >= _length)
            {
                _reader?.Dispose();
                _stream?.Dispose();
                _stream = null;
                if (++_file >= files.Count)
                {
                    record = default!;
                    return false;
                }

                _stream = new FileStream(files[_file], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                _length = _stream.Length;
                _reader = new BinaryReader(_stream);
            }

            record = serializer.Read(_reader!);
            Position++;
            return true;
        }
    }
}
