using System.Globalization;
using System.Text.Json;

namespace BatchKit;

/// <summary>Writes and reads records in the staging files of shuffled partitioning.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>Implementations must be thread-safe (one instance serves all partitions) and must read back exactly what they wrote.</remarks>
public interface IStagingSerializer<T>
{
    /// <summary>Writes one record.</summary>
    /// <param name="writer">The staging file.</param>
    /// <param name="record">The record.</param>
    void Write(BinaryWriter writer, T record);

    /// <summary>Reads one record written by <see cref="Write"/>.</summary>
    /// <param name="reader">The staging file.</param>
    /// <returns>The record.</returns>
    T Read(BinaryReader reader);
}

/// <summary>Stages records as length-prefixed JSON (System.Text.Json): works for any serializable type; write a binary serializer for speed.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class JsonStagingSerializer<T> : IStagingSerializer<T>
{
    private readonly JsonSerializerOptions? _options;

    /// <summary>Initializes a new instance of the <see cref="JsonStagingSerializer{T}"/> class.</summary>
    /// <param name="options">The JSON options, or <see langword="null"/> for the defaults.</param>
    public JsonStagingSerializer(JsonSerializerOptions? options = null) => _options = options;

    /// <inheritdoc/>
    public void Write(BinaryWriter writer, T record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(JsonSerializer.Serialize(record, _options));
    }

    /// <inheritdoc/>
    public T Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return JsonSerializer.Deserialize<T>(reader.ReadString(), _options)!;
    }
}

/// <summary>Names the staging files of a run: one folder per extract partition, one file per target partition.</summary>
internal static class StagingLayout
{
    public const string ExtractPrefix = "extract-";

    public static string RunDirectory(string root, RunKey runKey) => Path.Combine(root, runKey.JobName + "-" + runKey.ShortValue);

    public static string File(string root, RunKey runKey, string extractId, int bucket) =>
        Path.Combine(RunDirectory(root, runKey), extractId, "p" + bucket.ToString("D5", CultureInfo.InvariantCulture) + ".bin");

    /// <summary>The staging root when <see cref="JobOptions.StagingDirectory"/> is not set: beside the state file, or the system temp folder for other stores.</summary>
    public static string DefaultRoot(ICheckpointStore? store) => store is SqliteCheckpointStore sqlite
        ? sqlite.Path + ".staging"
        : Path.Combine(Path.GetTempPath(), "batchkit-staging");

    /// <summary>Counts the staging files an extract partition published that are still there.</summary>
    public static int CountFiles(string root, RunKey runKey, string extractId)
    {
        var directory = Path.Combine(RunDirectory(root, runKey), extractId);
        return Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "p*.bin").Count(f => f.EndsWith(".bin", StringComparison.Ordinal)) : 0;
    }

    public static bool IsExtract(Partition partition) => partition.Id.StartsWith(ExtractPrefix, StringComparison.Ordinal);

    public static Partition InputOf(Partition extract) => extract with { Id = extract.Id[ExtractPrefix.Length..] };
}

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
