using System.Text.Json;
using Amazon.S3;

namespace BatchKit.S3;

/// <summary>
/// Writes one JSON Lines object per partition and run by multipart upload, published fenced through a per-partition
/// manifest when the partition completes. Layout under <c>s3://bucket/prefix/&lt;key&gt;=&lt;value&gt;/</c> (one key level per
/// run parameter, like <see cref="OutputPaths"/>): <c>&lt;partition id&gt;.e&lt;epoch&gt;.jsonl</c>, the data object of the
/// epoch that wrote it, and <c>_manifests/&lt;partition id&gt;.json</c> (<see cref="S3Manifest"/>), which names the
/// published one.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// Partitions are atomic (<see cref="WriteDisposition.ReplacePartition"/>): an attempt writes its whole data object, so a
/// resumed or retried partition starts from its first record. Records are serialized as they arrive and sent as parts of
/// <see cref="PartSize"/> bytes as they fill (memory stays at about one part per open partition). The upload is completed
/// only in <see cref="ISinkWriter{T}.CompleteAsync"/>; a writer disposed without completing (a failure, a lost lease)
/// aborts its upload, so no object and no parts remain. A process killed mid-partition leaves an incomplete upload,
/// never an object: <see cref="S3Cleanup.AbortStaleUploadsAsync"/> removes it.
/// </para>
/// <para>
/// Fencing: each epoch writes its own data key, so completing an upload never overwrites another epoch's object.
/// Publishing is one PUT of the manifest, after the lease was confirmed with the state store and the current manifest read
/// showed no later epoch of the run; the PUT is conditional on what was read (<c>If-None-Match: *</c> when there was no
/// manifest, <c>If-Match: &lt;its ETag&gt;</c> otherwise), so a writer paused anywhere, even right after its checks, can
/// never replace a manifest that a later epoch wrote: the server refuses it. (Conditional writes are used on the manifest
/// only because S3-compatible servers such as Ceph radosgw 16 ignore conditions on CompleteMultipartUpload and CopyObject.)
/// After publishing, older epochs' data objects of the partition are deleted; a fenced-out writer may leave one
/// unreferenced data object of its own epoch, removed by the next publish or by <see cref="S3Cleanup.RemoveUnpublishedAsync"/>.
/// Readers find the published object through the manifest (<see cref="GetPublishedAsync"/>).
/// </para>
/// </remarks>
public sealed class S3JsonLinesSink<T> : ISink<T>, IPartitionOutputRemover
{
    private readonly IAmazonS3 _client;
    private readonly S3Uri _root;
    private readonly S3JsonLinesFormat<T> _format;
    private readonly int _partSize = 8 << 20;

    /// <summary>Initializes a new instance of the <see cref="S3JsonLinesSink{T}"/> class.</summary>
    /// <param name="client">The S3 client; not disposed by the sink.</param>
    /// <param name="prefix">The output root, <c>s3://bucket/prefix/</c>; each run writes below it under a key level per parameter.</param>
    /// <param name="options">The JSON options; <see langword="null"/> for <see cref="JsonSerializerDefaults.Web"/>.</param>
    /// <exception cref="FormatException"><paramref name="prefix"/> is not an <c>s3://bucket/…</c> location.</exception>
    public S3JsonLinesSink(IAmazonS3 client, string prefix, JsonSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _root = S3Uri.Parse(prefix);
        _format = new S3JsonLinesFormat<T>(options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web));
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
