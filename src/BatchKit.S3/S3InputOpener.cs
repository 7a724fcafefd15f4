using Amazon.S3;
using Amazon.S3.Model;

namespace BatchKit.S3;

/// <summary>
/// Opens <c>s3://bucket/key</c> locations for the JSON Lines, CSV and Parquet sources (<see cref="IInputOpener"/>), and
/// local paths as files. An object is read through ranged GETs into a bounded cache of blocks, never downloaded whole:
/// a Parquet reader fetches the footer first and then only the column chunks it decodes; CSV and JSON Lines read
/// sequentially with read-ahead, and a resumed partition starts its GETs at the checkpoint's byte offset.
/// </summary>
/// <remarks>
/// <para>
/// Opening sends one HEAD request for the object's size and ETag; every ranged GET is conditional on that ETag
/// (<c>If-Match</c>), so an object replaced while it is read fails the read with a non-transient
/// <see cref="S3StorageException"/> naming it, instead of mixing two versions. A missing bucket or key fails at once
/// with an error naming it.
/// </para>
/// <para>Thread-safe; each opened stream is used by one reader.</para>
/// </remarks>
public sealed class S3InputOpener : IInputOpener
{
    private readonly IAmazonS3 _client;
    private readonly int _blockSize;
    private readonly int _readAheadBlocks;

    /// <summary>Initializes a new instance of the <see cref="S3InputOpener"/> class.</summary>
    /// <param name="client">The S3 client (see <see cref="S3ClientOptions.CreateClient"/>); not disposed by the opener.</param>
    /// <param name="blockSize">The size of one ranged GET, in bytes (at least 64 KiB).</param>
    /// <param name="readAheadBlocks">How many blocks a sequential reader fetches ahead of the one it reads (0 or more).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blockSize"/> is below 64 KiB or <paramref name="readAheadBlocks"/> is negative.</exception>
    public S3InputOpener(IAmazonS3 client, int blockSize = 4 << 20, int readAheadBlocks = 2)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 64 << 10);
        ArgumentOutOfRangeException.ThrowIfNegative(readAheadBlocks);
        _client = client;
        _blockSize = blockSize;
        _readAheadBlocks = readAheadBlocks;
    }

    /// <inheritdoc/>
    /// <exception cref="S3StorageException">The bucket or object does not exist, access was denied, or the server failed.</exception>
    /// <exception cref="FileNotFoundException">A local path does not exist.</exception>
    public async ValueTask<Stream> OpenReadAsync(string location, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (!S3Uri.IsS3(location))
        {
            return await LocalFileOpener.Instance.OpenReadAsync(location, cancellationToken).ConfigureAwait(false);
        }

        var uri = S3Uri.Parse(location);
        GetObjectMetadataResponse head;
        try
        {
            head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = uri.Bucket, Key = uri.Key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex)
        {
            throw S3Errors.Translate(ex, location, "opening the object (HEAD)");
        }

        return new S3ObjectStream(_client, uri, head.ContentLength, head.ETag, _blockSize, _readAheadBlocks);
    }
}
