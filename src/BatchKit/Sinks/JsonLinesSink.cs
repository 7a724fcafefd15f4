using System.Text.Json;

namespace BatchKit;

/// <summary>
/// Writes one JSON Lines file per partition and run, <c>&lt;directory&gt;/&lt;key&gt;=&lt;value&gt;/&lt;partition id&gt;.jsonl</c>
/// (see <see cref="OutputPaths"/>), exactly once across crashes and takeovers: lines go to the attempt's epoch-scoped
/// file (<see cref="FencedPartitionFile"/>), flushed to disk at every commit; a resumed partition continues from the
/// length recorded with its last checkpoint (resume truncation: output past the last checkpoint is removed before
/// writing resumes); the file is renamed to its final name, under the lease, when the
/// partition completes.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class JsonLinesSink<T> : ISink<T>, IPartitionOutputRemover
{
    private readonly string _directory;
    private readonly JsonSerializerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="JsonLinesSink{T}"/> class.</summary>
    /// <param name="directory">The output root; each run writes below it in a folder named by its parameters.</param>
    /// <param name="options">The JSON options; <see langword="null"/> for <see cref="JsonSerializerDefaults.Web"/>.</param>
    public JsonLinesSink(string directory, JsonSerializerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <inheritdoc/>
    public WriteDisposition Disposition => WriteDisposition.Append;

    /// <summary>Gets the final path of a partition's file in a run.</summary>
    /// <param name="runKey">The run.</param>
    /// <param name="partitionId">The partition id.</param>
    /// <returns>The path.</returns>
    public string PathOf(RunKey runKey, string partitionId) => OutputPaths.PartitionFile(_directory, runKey, partitionId, ".jsonl");

    /// <inheritdoc/>
    public ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return FencedPartitionFile.RemoveAsync(context, PathOf(context.RunKey, context.Partition.Id), cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var file = await FencedPartitionFile.OpenAsync(context, PathOf(context.RunKey, context.Partition.Id), cancellationToken).ConfigureAwait(false);
        return new Writer(file, _options);
    }

    private sealed class Writer(FencedPartitionFile file, JsonSerializerOptions options) : ISinkWriter<T>
    {
        private static readonly byte[] NewLine = [(byte)'\n'];
        private readonly Utf8JsonWriter _json = new(file.Stream);

        public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
        {
            var stream = file.Stream;
            foreach (var record in records.Span)
            {
                JsonSerializer.Serialize(_json, record, options);
                _json.Flush();
                _json.Reset();
                stream.Write(NewLine);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(file.Commit());

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            await _json.DisposeAsync().ConfigureAwait(false);
            await file.PublishAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await _json.DisposeAsync().ConfigureAwait(false);
            await file.DisposeAsync().ConfigureAwait(false);
        }
    }
}
