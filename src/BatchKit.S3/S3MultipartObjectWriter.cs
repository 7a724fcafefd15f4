using System.Buffers;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace BatchKit.S3;

/// <summary>
/// Writes one attempt's data object as a multipart upload: bytes are buffered and sent as parts of <c>partSize</c> bytes
/// as they fill; <see cref="CompleteAsync"/> sends the last part and completes the upload; disposing an upload that was
/// not completed aborts it, so no object and no parts remain. An output smaller than one part is written with one PUT.
/// The key is the attempt's own (epoch-named), so completing it never overwrites another epoch's object.
/// </summary>
internal sealed class S3MultipartObjectWriter(IAmazonS3 client, S3Uri uri, SinkContext context, int partSize, string contentType) : IAsyncDisposable
{
    private readonly List<PartETag> _parts = [];
    private string? _uploadId;
    private (string ETag, long Size)? _completed;

    public S3Uri Uri => uri;

    /// <summary>Gets the buffer that records are serialized into; <see cref="FlushFullPartsAsync"/> sends it once it holds a part.</summary>
    public ArrayBufferWriter<byte> Buffer { get; } = new(1 << 16);

    /// <summary>Gets the number of bytes written so far.</summary>
    public long Size { get; private set; }

    /// <summary>Sends the buffer as a part when it holds at least a part.</summary>
    public async ValueTask FlushFullPartsAsync(CancellationToken cancellationToken)
    {
        if (Buffer.WrittenCount >= partSize)
        {
            await UploadPartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Completes the data object; returns its ETag and size.</summary>
    public async ValueTask<(string ETag, long Size)> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_completed is { } done)
        {
            return done; // completed before, publishing failed: publish the same object again
        }

        await context.Fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string etag;
            if (_uploadId is null)
            {
                var request = new PutObjectRequest
                {
                    BucketName = uri.Bucket,
                    Key = uri.Key,
                    InputStream = new MemoryStream(Buffer.WrittenMemory.ToArray(), writable: false),
                    ContentType = contentType,
                    UseChunkEncoding = false,
                };
                etag = (await client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false)).ETag;
                Size = Buffer.WrittenCount;
            }
            else
            {
                if (Buffer.WrittenCount > 0)
                {
                    await UploadPartAsync(cancellationToken).ConfigureAwait(false);
                }

                etag = (await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = uri.Bucket,
                    Key = uri.Key,
                    UploadId = _uploadId,
                    PartETags = [.. _parts],
                }, cancellationToken).ConfigureAwait(false)).ETag;
                if (string.IsNullOrEmpty(etag))
                {
                    // radosgw 16 answers CompleteMultipartUpload without an ETag the SDK reads; the key is this epoch's own,
                    // so the object a HEAD finds is the one just completed.
                    etag = (await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = uri.Bucket, Key = uri.Key }, cancellationToken).ConfigureAwait(false)).ETag;
                }
            }

            _completed = (etag, Size);
            return (etag, Size);
        }
        catch (AmazonS3Exception ex)
        {
            throw S3Errors.Translate(ex, uri.ToString(), _uploadId is null ? "writing the object" : "completing the multipart upload");
        }
    }

    /// <summary>Aborts an upload that was not completed: its parts are removed and no object appears.</summary>
    public async ValueTask DisposeAsync()
    {
        var uploadId = _uploadId;
        _uploadId = null;
        if (_completed is not null || uploadId is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = uri.Bucket, Key = uri.Key, UploadId = uploadId }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or OperationCanceledException or IOException)
        {
            // The upload stays until S3Cleanup.AbortStaleUploadsAsync (or a bucket lifecycle rule) removes it; it is never an object.
        }
    }

    private async ValueTask UploadPartAsync(CancellationToken cancellationToken)
    {
        await context.Fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _uploadId ??= (await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = uri.Bucket, Key = uri.Key, ContentType = contentType }, cancellationToken).ConfigureAwait(false)).UploadId;
            var number = _parts.Count + 1;
            var response = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = uri.Bucket,
                Key = uri.Key,
                UploadId = _uploadId,
                PartNumber = number,
                InputStream = new MemoryStream(Buffer.WrittenMemory.ToArray(), writable: false),
            }, cancellationToken).ConfigureAwait(false);
            _parts.Add(new PartETag(number, response.ETag));
            Size += Buffer.WrittenCount;
            Buffer.ResetWrittenCount();
        }
        catch (AmazonS3Exception ex)
        {
            throw S3Errors.Translate(ex, uri.ToString(), _uploadId is null ? "starting the multipart upload" : $"uploading part {_parts.Count + 1}");
        }
    }
}
