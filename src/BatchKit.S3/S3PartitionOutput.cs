using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;

namespace BatchKit.S3;

/// <summary>
/// The objects of one partition's output in a run, and their fenced publication: each attempt writes its own
/// epoch-named data object, <c>&lt;run folder&gt;/&lt;partition&gt;.e&lt;epoch&gt;&lt;ext&gt;</c>, and publishes it by a
/// conditional PUT of the partition's manifest, <c>&lt;run folder&gt;/_manifests/&lt;partition&gt;.json</c>, which names the
/// data object, the run and the epoch. The manifest is the commit point.
/// </summary>
/// <remarks>
/// The manifest PUT carries <c>If-None-Match: *</c> when there was none, or <c>If-Match: &lt;the ETag just read&gt;</c>,
/// after the lease was confirmed and the manifest read showed no later epoch of the run: a writer paused anywhere, even
/// right after those checks, cannot replace a manifest that a later epoch wrote, because the server refuses the PUT. Data
/// objects are never overwritten by another epoch (each epoch has its own key), so a stale writer at most leaves an
/// unreferenced data object, which the publishing epoch or <see cref="S3Cleanup"/> removes.
/// </remarks>
internal sealed class S3PartitionOutput(IAmazonS3 client, S3Uri folder, string partitionId, string extension)
{
    private const string ManifestFolder = "_manifests";

    public S3Uri Manifest => Child($"{ManifestFolder}/{partitionId}.json");

    public static S3PartitionOutput For(IAmazonS3 client, S3Uri root, RunKey runKey, string partitionId, string extension)
    {
        return new S3PartitionOutput(client, S3OutputKeys.RunFolder(root, runKey), partitionId, extension);
    }

    public S3Uri DataOf(long epoch) => Child($"{partitionId}.e{epoch.ToString(CultureInfo.InvariantCulture)}{extension}");

    /// <summary>Reads the manifest, or <see langword="null"/> when the partition has not been published.</summary>
    public async ValueTask<(S3Manifest Manifest, string ETag)?> ReadManifestAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = Manifest.Bucket, Key = Manifest.Key }, cancellationToken).ConfigureAwait(false);
            var stream = response.ResponseStream;
            await using (stream.ConfigureAwait(false))
            {
                var manifest = await JsonSerializer.DeserializeAsync(stream, S3ManifestJson.Default.S3Manifest, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"{Manifest}: expected a BatchKit manifest, found null.");
                return (manifest, response.ETag);
            }
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsNotFound(ex))
        {
            return null;
        }
        catch (AmazonS3Exception ex)
        {
            throw S3Errors.Translate(ex, Manifest.ToString(), "reading the partition's manifest");
        }
    }

    /// <summary>Fails when a later epoch of the same run published the partition.</summary>
    public void ThrowIfLater(SinkContext context, S3Manifest? published)
    {
        if (published is not null && published.Epoch > context.Fence.Epoch && string.Equals(published.Run, context.RunKey.Value, StringComparison.Ordinal))
        {
            throw new LeaseLostException(
                $"{Manifest}: the partition was published by epoch {published.Epoch.ToString(CultureInfo.InvariantCulture)} ({published.DataObject}), later than this attempt's {context.Fence}; this attempt stops without changing it.")
            {
                IsTransient = false,
                PartitionId = context.Partition.Id,
            };
        }
    }

    /// <summary>Publishes a data object of this epoch: confirms the lease, checks the manifest, writes it conditionally, then removes older epochs' data.</summary>
    public async ValueTask PublishAsync(SinkContext context, S3Uri data, string etag, long size, CancellationToken cancellationToken)
    {
        await context.Fence.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        var current = await ReadManifestAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfLater(context, current?.Manifest);
        var manifest = new S3Manifest(context.RunKey.Value, context.Partition.Id, context.Fence.Epoch, data.ToString(), etag.Trim('"'), size);
        var request = new PutObjectRequest
        {
            BucketName = Manifest.Bucket,
            Key = Manifest.Key,
            ContentBody = JsonSerializer.Serialize(manifest, S3ManifestJson.Default.S3Manifest),
            ContentType = "application/json",
            UseChunkEncoding = false,
        };
        if (current is { } seen)
        {
            request.IfMatch = seen.ETag.Trim('"'); // unquoted: radosgw compares the bare ETag (a quoted one never matches); S3 takes both
        }
        else
        {
            request.IfNoneMatch = "*";
        }

        try
        {
            await client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsPreconditionFailed(ex) || ex.ErrorCode == "ConditionalRequestConflict")
        {
            var now = await ReadManifestAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfLater(context, now?.Manifest);
            throw new S3StorageException(
                $"{Manifest}: another attempt published the partition while this one did (epoch {now?.Manifest.Epoch.ToString(CultureInfo.InvariantCulture) ?? "?"}); nothing was replaced. The partition is attempted again.", ex)
            {
                IsTransient = true,
                StatusCode = (int)ex.StatusCode,
                ErrorCode = ex.ErrorCode,
            };
        }
        catch (AmazonS3Exception ex)
        {
            throw S3Errors.Translate(ex, Manifest.ToString(), "publishing the partition's manifest");
        }

        foreach (var (uri, epoch) in await ListDataAsync(cancellationToken).ConfigureAwait(false))
        {
            if (epoch < context.Fence.Epoch)
            {
                await DeleteAsync(uri, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Removes the manifest and every epoch's data object, once the lease is confirmed and no later epoch published.</summary>
    public async ValueTask RemoveAsync(SinkContext context, CancellationToken cancellationToken)
    {
        await context.Fence.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        var current = await ReadManifestAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfLater(context, current?.Manifest);
        await DeleteAsync(Manifest, cancellationToken).ConfigureAwait(false);
        foreach (var (uri, _) in await ListDataAsync(cancellationToken).ConfigureAwait(false))
        {
            await DeleteAsync(uri, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lists this partition's epoch-named data objects.</summary>
    public async ValueTask<List<(S3Uri Uri, long Epoch)>> ListDataAsync(CancellationToken cancellationToken)
    {
        var prefix = Child(partitionId + ".e").Key;
        var found = new List<(S3Uri, long)>();
        var request = new ListObjectsV2Request { BucketName = folder.Bucket, Prefix = prefix };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex)
            {
                throw S3Errors.Translate(ex, Child(partitionId).ToString(), "listing the partition's data objects");
            }

            foreach (var o in page.S3Objects ?? [])
            {
                var rest = o.Key.AsSpan(prefix.Length);
                if (rest.EndsWith(extension, StringComparison.Ordinal)
                    && long.TryParse(rest[..^extension.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
                {
                    found.Add((new S3Uri(folder.Bucket, o.Key), epoch));
                }
            }

            if (page.IsTruncated != true)
            {
                return found;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    private S3Uri Child(string relative) => folder with { Key = folder.Key.Length == 0 ? relative : folder.Key + "/" + relative };

    private async ValueTask DeleteAsync(S3Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = uri.Bucket, Key = uri.Key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex)
        {
            throw S3Errors.Translate(ex, uri.ToString(), "deleting the object");
        }
    }
}
