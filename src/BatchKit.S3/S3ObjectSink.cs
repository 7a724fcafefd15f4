using Amazon.S3;

namespace BatchKit.S3;

/// <summary>
/// Writes one object per partition and run in a <see cref="RecordFormat{T}"/> (Parquet with BatchKit.Parquet's
/// <c>ParquetRecordFormat&lt;T&gt;</c>, CSV with BatchKit.Csv's <c>CsvRecordFormat&lt;T&gt;</c>) by multipart upload,
/// published fenced through a per-partition manifest when the partition completes, exactly as
/// <see cref="S3JsonLinesSink{T}"/> does for JSON Lines. Layout under <c>s3://bucket/prefix/&lt;key&gt;=&lt;value&gt;/</c>
/// (one key level per run parameter): <c>&lt;partition id&gt;.e&lt;epoch&gt;&lt;extension&gt;</c>, the data object of the epoch
/// that wrote it (<see cref="RecordFormat{T}.FileExtension"/>: <c>.parquet</c>, <c>.csv</c>), and
/// <c>_manifests/&lt;partition id&gt;.json</c> (<see cref="S3Manifest"/>), which names the published one.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// The format comes from the format's own package, so BatchKit.S3 depends on neither Parquet.Net nor CsvHelper: a job
/// that writes Parquet to S3 references BatchKit.S3 and BatchKit.Parquet, one that writes only JSON Lines needs neither
/// format library.
/// </para>
/// <para>
/// Partitions are atomic (<see cref="WriteDisposition.ReplacePartition"/>): an attempt writes its whole data object from the
/// partition's first record. The format writes to a forward-only stream (never sought, read or asked for its length;
/// its position counts the bytes written, which is what Parquet.Net needs for its footer), whose bytes are sent as parts
/// of <see cref="PartSize"/> bytes as they fill: memory stays at about one part per open partition, plus what the format
/// buffers (one row group of <c>ParquetSinkOptions.RowGroupSize</c> rows for Parquet). The upload is completed only in
/// <see cref="ISinkWriter{T}.CompleteAsync"/>, after the format finished the object (the Parquet footer); a writer disposed
/// without completing (a failure, a lost lease) aborts its upload, so no object and no parts remain. A process killed
/// mid-partition leaves an incomplete upload, never an object: <see cref="S3Cleanup.AbortStaleUploadsAsync"/> removes it.
/// </para>
/// <para>
/// Fencing is that of <see cref="S3JsonLinesSink{T}"/>: each epoch writes its own data key; publishing is one PUT of the
/// manifest, after the lease was confirmed and the current manifest showed no later epoch of the run, conditional on what
/// was read (<c>If-None-Match: *</c> or <c>If-Match: &lt;its ETag&gt;</c>), so a writer paused anywhere cannot replace a
/// manifest a later epoch wrote. Older epochs' data objects are deleted after publishing; a fenced-out writer may leave
/// one unreferenced data object of its own epoch, removed by the next publish or by <see cref="S3Cleanup.RemoveUnpublishedAsync"/>.
/// Readers find the published object through the manifest (<see cref="GetPublishedAsync"/>).
/// </para>
/// <para>Thread-safe: each partition attempt gets its own writer.</para>
/// </remarks>
public sealed class S3ObjectSink<T> : ISink<T>, IPartitionOutputRemover
{
    private readonly IAmazonS3 _client;
    private readonly S3Uri _root;
    private readonly RecordFormat<T> _format;
    private readonly int _partSize = 8 << 20;

    /// <summary>Initializes a new instance of the <see cref="S3ObjectSink{T}"/> class.</summary>
    /// <param name="client">The S3 client; not disposed by the sink.</param>
    /// <param name="prefix">The output root, <c>s3://bucket/prefix/</c>; each run writes below it under a key level per parameter.</param>
    /// <param name="format">The format the objects are written in, such as <c>new ParquetRecordFormat&lt;T&gt;()</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="format"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="prefix"/> is not an <c>s3://bucket/…</c> location.</exception>
    public S3ObjectSink(IAmazonS3 client, string prefix, RecordFormat<T> format)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(format);
        _client = client;
        _root = S3Uri.Parse(prefix);
        _format = format;
    }

    /// <summary>Gets the size of the parts of a multipart upload, in bytes.</summary>
    /// <value>The default value is 8 MiB; at least 5 MiB (the S3 minimum for all but the last part).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 5 MiB.</exception>
    public int PartSize
    {
        get => _partSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 5 << 20);
            _partSize = value;
        }
    }

    /// <inheritdoc/>
    public WriteDisposition Disposition => WriteDisposition.ReplacePartition;

    /// <summary>Reads the manifest of a partition's published output in a run.</summary>
    /// <param name="runKey">The run.</param>
    /// <param name="partitionId">The partition id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The manifest, whose <see cref="S3Manifest.DataObject"/> is the data object; <see langword="null"/> when the partition was not published.</returns>
    /// <exception cref="S3StorageException">The bucket does not exist, access was denied, or the server failed.</exception>
    public async ValueTask<S3Manifest?> GetPublishedAsync(RunKey runKey, string partitionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrEmpty(partitionId);
        var read = await Output(runKey, partitionId).ReadManifestAsync(cancellationToken).ConfigureAwait(false);
        return read?.Manifest;
    }

    /// <inheritdoc/>
    /// <remarks>Confirms the lease and refuses when a later epoch published the partition; then deletes its manifest and data objects.</remarks>
    public async ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await Output(context.RunKey, context.Partition.Id).RemoveAsync(context, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <exception cref="LeaseLostException">The token has expired, or a later epoch published this partition's object.</exception>
    /// <exception cref="S3StorageException">The bucket does not exist, access was denied, or the server failed.</exception>
    public async ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await S3FencedObjectWriter<T>.OpenAsync(_client, _root, _format, _partSize, context, cancellationToken).ConfigureAwait(false);
    }

    private S3PartitionOutput Output(RunKey runKey, string partitionId) => S3PartitionOutput.For(_client, _root, runKey, partitionId, _format.FileExtension);
}
