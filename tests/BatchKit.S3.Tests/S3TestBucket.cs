using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BatchKit.S3;
using BatchKit.Testing.Services;

namespace BatchKit.S3.Tests;

/// <summary>A bucket of its own for one test class on the test run's radosgw, emptied (objects and uploads) and deleted after.</summary>
public sealed class S3TestBucket : IAsyncLifetime
{
    public S3TestBucket()
    {
        Client = Options().CreateClient();
        Name = "bk-test-" + Guid.NewGuid().ToString("N")[..20];
    }

    public IAmazonS3 Client { get; }

    public string Name { get; }

    public static S3ClientOptions Options() => new()
    {
        ServiceUrl = TestServices.S3Endpoint,
        Credentials = new BasicAWSCredentials(TestServices.S3AccessKey, TestServices.S3SecretKey),
    };

    public string Uri(string key) => $"s3://{Name}/{key}";

    public async Task PutAsync(string key, byte[] content)
    {
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = Name, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false });
    }

    public Task PutAsync(string key, string content) => PutAsync(key, System.Text.Encoding.UTF8.GetBytes(content));

    public async Task<string?> GetTextAsync(string key)
    {
        try
        {
            using var response = await Client.GetObjectAsync(Name, key);
            using var reader = new StreamReader(response.ResponseStream);
            return await reader.ReadToEndAsync();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<byte[]> GetBytesAsync(string key)
    {
        using var response = await Client.GetObjectAsync(Name, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Gets the key of an <c>s3://</c> location in this bucket.</summary>
    public string KeyOf(string uri) => uri.StartsWith($"s3://{Name}/", StringComparison.Ordinal) ? uri[$"s3://{Name}/".Length..] : throw new ArgumentException($"Expected a location in s3://{Name}/, found '{uri}'.", nameof(uri));

    public async Task<List<string>> KeysAsync(string prefix = "")
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Name, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await Client.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    public async Task<List<string>> UploadsAsync()
    {
        var page = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Name });
        return (page.MultipartUploads ?? []).Select(u => u.Key).ToList();
    }

    public async Task InitializeAsync() => await Client.PutBucketAsync(new PutBucketRequest { BucketName = Name });

    public async Task DisposeAsync()
    {
        try
        {
            var uploads = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Name });
            foreach (var upload in uploads.MultipartUploads ?? [])
            {
                await Client.AbortMultipartUploadAsync(Name, upload.Key, upload.UploadId);
            }

            foreach (var key in await KeysAsync())
            {
                await Client.DeleteObjectAsync(Name, key);
            }

            await Client.DeleteBucketAsync(Name);
        }
        finally
        {
            Client.Dispose();
        }
    }
}
