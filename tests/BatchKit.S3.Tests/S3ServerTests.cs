using Amazon.S3;
using Amazon.S3.Model;

namespace BatchKit.S3.Tests;

/// <summary>The server features the S3 sink's fencing relies on (conditional PUTs of the manifest), checked against the real server.</summary>
public sealed class S3ServerTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    [Fact]
    public async Task PutObject_IfMatchWithStaleETag_IsRefused()
    {
        await bucket.PutAsync("cond/c.txt", "first");
        var seen = (await bucket.Client.GetObjectMetadataAsync(bucket.Name, "cond/c.txt")).ETag.Trim('"');
        await bucket.PutAsync("cond/c.txt", "published meanwhile");
        var put = () => bucket.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket.Name, Key = "cond/c.txt", ContentBody = "stale", IfMatch = seen, UseChunkEncoding = false });
        (await put.Should().ThrowAsync<AmazonS3Exception>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.PreconditionFailed);
        (await bucket.GetTextAsync("cond/c.txt")).Should().Be("published meanwhile");
    }

    // The sink sends the ETag unquoted: radosgw compares If-Match with the bare ETag and refuses the quoted form.
    [Fact]
    public async Task PutObject_IfMatchWithCurrentETag_ReplacesTheObject()
    {
        await bucket.PutAsync("cond/m.txt", "first");
        var seen = (await bucket.Client.GetObjectMetadataAsync(bucket.Name, "cond/m.txt")).ETag.Trim('"');
        await bucket.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket.Name, Key = "cond/m.txt", ContentBody = "second", IfMatch = seen, UseChunkEncoding = false });
        (await bucket.GetTextAsync("cond/m.txt")).Should().Be("second");
    }

    [Fact]
    public async Task PutObject_IfNoneMatchOnExistingKey_IsRefused()
    {
        await bucket.PutAsync("cond/f.txt", "first");
        var put = () => bucket.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket.Name, Key = "cond/f.txt", ContentBody = "second", IfNoneMatch = "*", UseChunkEncoding = false });
        (await put.Should().ThrowAsync<AmazonS3Exception>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.PreconditionFailed);
    }
}
