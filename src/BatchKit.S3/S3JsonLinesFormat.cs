using System.Text.Json;

namespace BatchKit.S3;

/// <summary>Writes records as JSON Lines (one JSON object and <c>\n</c> per record, UTF-8) to a stream, for <see cref="S3JsonLinesSink{T}"/>.</summary>
internal sealed class S3JsonLinesFormat<T>(JsonSerializerOptions options) : RecordFormat<T>
{
    public override string FileExtension => ".jsonl";

    public override string ContentType => "application/x-ndjson";

    protected override ValueTask<RecordFormatWriter<T>> CreateWriterCoreAsync(Stream output, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<RecordFormatWriter<T>>(new Writer(output, options));
    }

    private sealed class Writer(Stream output, JsonSerializerOptions options) : RecordFormatWriter<T>
    {
        private readonly Utf8JsonWriter _json = new(output);

        protected override ValueTask WriteCoreAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
        {
            for (var i = 0; i < records.Length; i++)
            {
                JsonSerializer.Serialize(_json, records.Span[i], options);
                _json.Flush();
                _json.Reset();
                output.Write("\n"u8);
            }

            return ValueTask.CompletedTask;
        }

        protected override ValueTask FinishCoreAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        protected override async ValueTask DisposeAsyncCore()
        {
            await _json.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsyncCore().ConfigureAwait(false);
        }
    }
}
