using System.Text.Json;

namespace BatchKit;

/// <summary>
/// Writes one JSON Lines file per partition, <c>&lt;directory&gt;/&lt;partition id&gt;.jsonl</c>, exactly once across
/// crashes: lines go to a <c>.partial</c> file that is flushed to disk at every commit; a resumed partition truncates it
/// back to the length recorded with its last checkpoint; the file is renamed to its final name when the partition completes.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class JsonLinesSink<T> : ISink<T>, IPartitionOutputRemover
{
    private readonly string _directory;
    private readonly JsonSerializerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="JsonLinesSink{T}"/> class.</summary>
    /// <param name="directory">The output directory; created if absent.</param>
    /// <param name="options">The JSON options; <see langword="null"/> for <see cref="JsonSerializerDefaults.Web"/>.</param>
    public JsonLinesSink(string directory, JsonSerializerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <inheritdoc/>
    public WriteDisposition Disposition => WriteDisposition.Append;

    /// <summary>Gets the final path of a partition's file.</summary>
    /// <param name="partitionId">The partition id.</param>
    /// <returns>The path.</returns>
    public string PathOf(string partitionId) => Path.Combine(_directory, partitionId + ".jsonl");

    /// <inheritdoc/>
    public ValueTask RemovePartitionOutputAsync(Partition partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);
        File.Delete(PathOf(partition.Id) + ".partial");
        File.Delete(PathOf(partition.Id));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Directory.CreateDirectory(_directory);
        var final = PathOf(context.Partition.Id);
        var partial = final + ".partial";
        if (context.ResumePosition is null)
        {
            File.Delete(final);
        }
        else if (!File.Exists(partial) && File.Exists(final))
        {
            // Completed earlier, but the partition was not marked completed before the process stopped: reopen it.
            File.Move(final, partial);
        }

        var stream = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16);
        var resume = context.ResumePosition ?? 0;
        if (stream.Length < resume)
        {
            var length = stream.Length;
            stream.Dispose();
            throw new InvalidDataException($"The partial file '{partial}' holds {length} bytes but its last checkpoint recorded {resume}; it was changed outside BatchKit.");
        }

        stream.SetLength(resume);
        stream.Position = stream.Length;
        return ValueTask.FromResult<ISinkWriter<T>>(new Writer(stream, partial, final, _options));
    }

    private sealed class Writer(FileStream stream, string partial, string final, JsonSerializerOptions options) : ISinkWriter<T>
    {
        private static readonly byte[] NewLine = [(byte)'\n'];
        private readonly Utf8JsonWriter _json = new(stream);

        public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
        {
            foreach (var record in records.Span)
            {
                JsonSerializer.Serialize(_json, record, options);
                _json.Flush();
                _json.Reset();
                stream.Write(NewLine);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<long> CommitAsync(CancellationToken cancellationToken)
        {
            stream.Flush(flushToDisk: true);
            return ValueTask.FromResult(stream.Length);
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            if (File.Exists(partial))
            {
                stream.Flush(flushToDisk: true);
                await DisposeAsync().ConfigureAwait(false);
                File.Move(partial, final, overwrite: true);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!stream.CanWrite)
            {
                return;
            }

            await _json.DisposeAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
