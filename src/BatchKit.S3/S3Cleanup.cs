using Amazon.S3;
using Amazon.S3.Model;

namespace BatchKit.S3;

/// <summary>
/// Removes what crashed S3 sink writers leave behind: incomplete multipart uploads (never objects, but their parts are
/// stored and billed until aborted). Call it beside <see cref="StaleStateCleanup"/>.
/// </summary>
public static class S3Cleanup
{
    /// <summary>Aborts the multipart uploads under a prefix that were started longer ago than <paramref name="olderThan"/>.</summary>
    /// <param name="client">The S3 client.</param>
    /// <param name="prefix">The sink's output root, <c>s3://bucket/prefix/</c>.</param>
    /// <param name="olderThan">The age an upload must have; choose it longer than any partition can run (a running writer's upload is aborted otherwise, and its partition fails and is retried).</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The locations of the aborted uploads' keys, one per upload.</returns>
    /// <exception cref="S3StorageException">The bucket does not exist, access was denied, or the server failed.</exception>
    public static async ValueTask<IReadOnlyList<string>> AbortStaleUploadsAsync(IAmazonS3 client, string prefix, TimeSpan olderThan, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        var root = S3Uri.Parse(prefix);
        var cutoff = (timeProvider ?? TimeProvider.System).GetUtcNow() - olderThan;
        var aborted = new List<string>();
        var request = new ListMultipartUploadsRequest { BucketName = root.Bucket, Prefix = root.Key };
        while (true)
        {
            ListMultipartUploadsResponse page;
            try
            {
                page = await client.ListMultipartUploadsAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex)
            {
                throw S3Errors.Translate(ex, prefix, "listing multipart uploads");
            }

            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Initiated is { } started && new DateTimeOffset(started.ToUniversalTime()) > cutoff)
                {
                    continue;
                }

                var uri = new S3Uri(root.Bucket, upload.Key);
                try
                {
                    await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = root.Bucket, Key = upload.Key, UploadId = upload.UploadId }, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload")
                {
                    continue; // completed or aborted meanwhile
                }
                catch (AmazonS3Exception ex)
                {
                    throw S3Errors.Translate(ex, uri.ToString(), "aborting a stale multipart upload");
                }

                aborted.Add(uri.ToString());
            }

            if (page.IsTruncated != true)
            {
                break;
            }

            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }

        return aborted;
    }

    /// <summary>
    /// Deletes the epoch-named data objects under a prefix that no manifest publishes (left by attempts that crashed
    /// after completing their upload, or were fenced out) and that are older than <paramref name="olderThan"/>.
    /// </summary>
    /// <param name="client">The S3 client.</param>
    /// <param name="prefix">The sink's output root, <c>s3://bucket/prefix/</c>.</param>
    /// <param name="olderThan">The age an object must have; choose it longer than any partition can run.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The locations of the deleted objects.</returns>
    /// <exception cref="S3StorageException">The bucket does not exist, access was denied, or the server failed.</exception>
    public static async ValueTask<IReadOnlyList<string>> RemoveUnpublishedAsync(IAmazonS3 client, string prefix, TimeSpan olderThan, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        var root = S3Uri.Parse(prefix);
        var cutoff = (timeProvider ?? TimeProvider.System).GetUtcNow() - olderThan;
        var objects = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = root.Bucket, Prefix = root.Key };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex)
            {
                throw S3Errors.Translate(ex, prefix, "listing the output");
            }

            objects.AddRange(page.S3Objects ?? []);
            if (page.IsTruncated != true)
            {
                break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }

        var published = new HashSet<string>(StringComparer.Ordinal);
        var manifests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifest in objects.Where(o => o.Key.Contains("/_manifests/", StringComparison.Ordinal) && o.Key.EndsWith(".json", StringComparison.Ordinal)))
        {
            var folder = manifest.Key[..manifest.Key.LastIndexOf("/_manifests/", StringComparison.Ordinal)];
            var id = manifest.Key[(manifest.Key.LastIndexOf('/') + 1)..^".json".Length];
            manifests.Add(folder + "/" + id);
            var output = new S3PartitionOutput(client, new S3Uri(root.Bucket, folder), id, string.Empty);
            if (await output.ReadManifestAsync(cancellationToken).ConfigureAwait(false) is { } read)
            {
                published.Add(read.Manifest.DataObject);
            }
        }

        var deleted = new List<string>();
        foreach (var o in objects)
        {
            var uri = new S3Uri(root.Bucket, o.Key).ToString();
            if (o.Key.Contains("/_manifests/", StringComparison.Ordinal) || published.Contains(uri) || !IsEpochData(o.Key)
                || o.LastModified is not { } modified || new DateTimeOffset(modified.ToUniversalTime()) > cutoff)
            {
                continue;
            }

            try
            {
                await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = root.Bucket, Key = o.Key }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex)
            {
                throw S3Errors.Translate(ex, uri, "deleting an unpublished data object");
            }

            deleted.Add(uri);
        }

        return deleted;
    }

    /// <summary>Tells whether a key looks like an epoch-named data object: <c>…/&lt;id&gt;.e&lt;digits&gt;.&lt;ext&gt;</c>.</summary>
    private static bool IsEpochData(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        var dot = name.LastIndexOf('.');
        var stem = dot < 0 ? name : name[..dot];
        var marker = stem.LastIndexOf(".e", StringComparison.Ordinal);
        return marker > 0 && stem.Length > marker + 2 && stem[(marker + 2)..].All(char.IsAsciiDigit);
    }
}
