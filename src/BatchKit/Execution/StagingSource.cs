namespace BatchKit;

/// <summary>Reads one target partition from the staging files of every extract partition, in plan order.</summary>
internal sealed class StagingSource<T>(IStagingSerializer<T> serializer, string root, IReadOnlyList<Partition> plan) : ISource<T>
{
    public ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        var (bucket, _) = PartitionDescriptor.ParseHash(context.Partition.Descriptor);
        // Every completed extract partition published one file (empty input included), so a missing one lost records.
        var files = plan.Where(StagingLayout.IsExtract).Select(p => StagingLayout.File(root, context.RunKey, p.Id)).ToList();
        var missing = files.FirstOrDefault(f => !System.IO.File.Exists(f));
        if (missing is not null)
        {
            throw new BatchKitException(
                $"Partition '{context.Partition.Id}' of run {context.RunKey} cannot read the staging file '{missing}': it is missing, though its extract partition completed. " +
                "Run the job again: the extract partitions whose staging is missing run again first.")
            {
                JobName = context.RunKey.JobName,
                PartitionId = context.Partition.Id,
            };
        }

        var reader = new Reader(serializer, files, bucket);
        reader.Skip(context.Position);
        return ValueTask.FromResult<ISourceReader<T>>(reader);
    }

    /// <summary>Reads the target's segments file by file; each segment is read with one system call and decoded from memory.</summary>
    private sealed class Reader(IStagingSerializer<T> serializer, List<string> files, int bucket) : ISourceReader<T>
    {
        private readonly Queue<(string Path, StagingFile.Segment Segment)> _segments = new();
        private readonly MemoryStream _memory = new();
        private BinaryReader? _reader;
        private int _file = -1;
        private int _left;
        private Microsoft.Win32.SafeHandles.SafeFileHandle? _handle;
        private string? _openPath;

        public long Position { get; private set; }

        public void Skip(long count)
        {
            while (Position < count)
            {
                // Whole segments are skipped by their record count, without reading them.
                if (_left == 0 && NextSegment(out var path, out var segment))
                {
                    if (Position + segment.Count <= count)
                    {
                        Position += segment.Count;
                        continue;
                    }

                    Load(path, segment);
                }

                if (!Next(out _))
                {
                    return;
                }
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
            _handle?.Dispose();
            return ValueTask.CompletedTask;
        }

        private bool Next(out T record)
        {
            while (_left == 0)
            {
                if (!NextSegment(out var path, out var segment))
                {
                    record = default!;
                    return false;
                }

                Load(path, segment);
            }

            record = serializer.Read(_reader!);
            _left--;
            Position++;
            return true;
        }

        private bool NextSegment(out string path, out StagingFile.Segment segment)
        {
            while (_segments.Count == 0)
            {
                if (++_file >= files.Count)
                {
                    path = string.Empty;
                    segment = default;
                    return false;
                }

                using var handle = File.OpenHandle(files[_file], FileMode.Open, FileAccess.Read, FileShare.Read);
                foreach (var s in StagingFile.SegmentsOf(handle, files[_file], bucket))
                {
                    _segments.Enqueue((files[_file], s));
                }
            }

            (path, segment) = _segments.Dequeue();
            return true;
        }

        private void Load(string path, StagingFile.Segment segment)
        {
            _memory.SetLength(segment.Length);
            if (!ReferenceEquals(path, _openPath))
            {
                _handle?.Dispose();
                _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                _openPath = path;
            }

            var handle = _handle!;
            {
                var bytes = _memory.GetBuffer().AsSpan(0, segment.Length);
                var read = 0;
                while (read < bytes.Length)
                {
                    var n = RandomAccess.Read(handle, bytes[read..], segment.Offset + read);
                    if (n == 0)
                    {
                        throw new InvalidDataException($"The staging file '{path}' ends inside a segment of partition {bucket} at offset {segment.Offset + read}.");
                    }

                    read += n;
                }
            }

            _memory.Position = 0;
            _reader ??= new BinaryReader(_memory);
            _left = segment.Count;
        }
    }
}
