using Amazon.S3;

namespace BatchKit.S3;

/// <summary>
/// Writes one partition attempt's data object in a <see cref="RecordFormat{T}"/> by multipart upload and publishes it
/// fenced through the partition's manifest: the writer of <see cref="S3ObjectSink{T}"/> and <see cref="S3JsonLinesSink{T}"/>.
/// </summary>
/// <remarks>
/// Records go through the format's writer into an <see cref="S3UploadStream"/>; parts are sent as they fill (at the
/// stream's asynchronous writes and after each chunk), so memory stays at about one part plus what the format buffers
/// (a Parquet row group). <see cref="CompleteAsync"/> confirms the lease, finishes the format (a Parquet footer), completes
/// the upload and publishes it (<see cref="S3PartitionOutput.PublishAsync"/>); disposing without completing aborts the
/// upload, so no object and no parts remain.
/// </remarks>
internal sealed class S3FencedObjectWriter<T> : ISinkWriter<T>
{
    private readonly S3PartitionOutput _output;
    private readonly S3MultipartObjectWriter _upload;
    private readonly S3UploadStream _stream;
    private readonly SinkContext _context;
    private RecordFormatWriter<T>? _format;

    private S3FencedObjectWriter(S3PartitionOutput output, S3MultipartObjectWriter upload, S3UploadStream stream, SinkContext context)
    {
        _output = output;
        _upload = upload;
        _stream = stream;
        _context = context;
    }

    /// <summary>Opens the attempt's writer, after checking that no later epoch of the run published the partition.</summary>
    /// <exception cref="LeaseLostException">The token has expired, or a later epoch published this partition's object.</exception>
    public static async ValueTask<ISinkWriter<T>> OpenAsync(IAmazonS3 client, S3Uri root, RecordFormat<T> format, int partSize, SinkContext context, CancellationToken cancellationToken)
    {
        context.Fence.ThrowIfExpired();
        var output = S3PartitionOutput.For(client, root, context.RunKey, context.Partition.Id, format.FileExtension);
        var published = await output.ReadManifestAsync(cancellationToken).ConfigureAwait(false);
        output.ThrowIfLater(context, published?.Manifest);
        var upload = new S3MultipartObjectWriter(client, output.DataOf(context.Fence.Epoch), context, partSize, format.ContentType);
        var stream = new S3UploadStream(upload, partSize);
        var writer = new S3FencedObjectWriter<T>(output, upload, stream, context);
        try
        {
            writer._format = await format.CreateWriterAsync(stream, cancellationToken).ConfigureAwait(false);
            return writer;
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        await Format.WriteAsync(records, cancellationToken).ConfigureAwait(false);
        await _upload.FlushFullPartsAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> CommitAsync(CancellationToken cancellationToken)
    {
        await _upload.FlushFullPartsAsync(cancellationToken).ConfigureAwait(false);
        return 0; // nothing is durable before the upload completes: the partition is written again as a whole
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await _context.Fence.EnsureHeldAsync(cancellationToken).ConfigureAwait(false); // a writer that knows it lost the lease writes no object
        await Format.FinishAsync(cancellationToken).ConfigureAwait(false);
        var (etag, size) = await _upload.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await _output.PublishAsync(_context, _upload.Uri, etag, size, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_format is not null)
            {
                await _format.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            await _upload.DisposeAsync().ConfigureAwait(false);
        }
    }

    private RecordFormatWriter<T> Format => _format ?? throw new ObjectDisposedException(_upload.Uri.ToString());
}
