using Amazon.S3;
using Amazon.S3.Model;
using BatchKit.S3;

namespace NightlyAnalytics;

/// <summary>
/// The sample's S3 side: <c>s3://bucket/prefix/</c> inputs, the client from the AWS SDKs' standard environment variables,
/// and the upload of generated files.
/// </summary>
public static class S3Events
{
    /// <summary>Tells whether a location is an S3 location (<c>s3://…</c>) rather than a local folder.</summary>
    /// <param name="location">The <c>--input</c> or <c>--out</c> value.</param>
    /// <returns><see langword="true"/> for <c>s3://…</c>.</returns>
    public static bool IsS3(string? location) => location is not null && location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Creates the S3 client from <c>AWS_ENDPOINT_URL_S3</c> (or <c>AWS_ENDPOINT_URL</c>), <c>AWS_REGION</c>,
    /// <c>AWS_ACCESS_KEY_ID</c> and <c>AWS_SECRET_ACCESS_KEY</c>: the same command runs against AWS and a local radosgw.
    /// </summary>
    /// <returns>The client; the caller disposes it.</returns>
    public static IAmazonS3 CreateClient() => S3ClientOptions.FromEnvironment().CreateClient();

    /// <summary>Splits <c>s3://bucket/prefix</c> into the bucket and the key prefix (ending in <c>/</c> unless empty).</summary>
    /// <param name="location">The location.</param>
    /// <returns>The bucket and the prefix.</returns>
    /// <exception cref="UsageException">The location has no bucket.</exception>
    public static (string Bucket, string Prefix) Split(string location)
    {
        var rest = location["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket.Length == 0)
        {
            throw new UsageException($"expected s3://bucket/prefix/, found '{location}'.");
        }

        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..];
        return (bucket, prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/");
    }

    /// <summary>The location as the partitioner lists it: <c>s3://bucket/prefix/</c> with a final slash.</summary>
    /// <param name="location">The location.</param>
    /// <returns>The normalized location.</returns>
    public static string Normalize(string location)
    {
        var (bucket, prefix) = Split(location);
        return $"s3://{bucket}/{prefix}";
    }

    /// <summary>
    /// Uploads generated files under an S3 prefix, each with one PUT, and deletes the prefix's other
    /// <c>events-*.parquet</c> objects, as <c>generate</c> replaces earlier files in a folder.
    /// </summary>
    /// <param name="client">The S3 client.</param>
    /// <param name="location">The <c>s3://bucket/prefix/</c> to upload to; the bucket must exist.</param>
    /// <param name="files">The local files; each becomes <c>prefix + file name</c>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when every file is uploaded.</returns>
    public static async Task UploadAsync(IAmazonS3 client, string location, IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(files);
        var (bucket, prefix) = Split(location);
        var keys = files.Select(f => prefix + Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal);
        try
        {
            foreach (var file in files)
            {
                await client.PutObjectAsync(
                    new PutObjectRequest { BucketName = bucket, Key = prefix + Path.GetFileName(file), FilePath = file, UseChunkEncoding = false },
                    cancellationToken).ConfigureAwait(false);
            }

            var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix + "events-" };
            ListObjectsV2Response page;
            do
            {
                page = await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
                foreach (var o in page.S3Objects ?? [])
                {
                    if (!keys.Contains(o.Key) && !o.Key[prefix.Length..].Contains('/', StringComparison.Ordinal) && o.Key.EndsWith(".parquet", StringComparison.Ordinal))
                    {
                        await client.DeleteObjectAsync(bucket, o.Key, cancellationToken).ConfigureAwait(false);
                    }
                }

                request.ContinuationToken = page.NextContinuationToken;
            }
            while (page.IsTruncated == true);
        }
        catch (AmazonS3Exception e)
        {
            throw new IOException($"Uploading the events to '{location}' failed: {e.StatusCode} {e.ErrorCode}: {e.Message}", e);
        }
    }
}
