using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BatchKit.S3;
using BatchKit.Testing.Services;

namespace BatchKit.Samples.Tests;

/// <summary>A fresh bucket on the test run's radosgw (or on another endpoint), emptied and deleted when the test ends.</summary>
public sealed class SampleBucket : IAsyncDisposable
{
    private SampleBucket(IAmazonS3 client, string endpoint, string name)
    {
        Client = client;
        Endpoint = endpoint;
        Name = name;
    }

    public IAmazonS3 Client { get; }

    public string Endpoint { get; }

    public string Name { get; }

    /// <summary>The AWS SDK's standard variables for a child process: endpoint, region and keys of this bucket's server.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["AWS_ENDPOINT_URL_S3"] = Endpoint,
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = TestServices.S3AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = TestServices.S3SecretKey,
    };

    public static async Task<SampleBucket> CreateAsync(string? endpoint = null)
    {
        endpoint ??= TestServices.S3Endpoint;
        var client = new S3ClientOptions { ServiceUrl = endpoint, Credentials = new BasicAWSCredentials(TestServices.S3AccessKey, TestServices.S3SecretKey) }.CreateClient();
        var bucket = new SampleBucket(client, endpoint, "bk-nightly-" + Guid.NewGuid().ToString("N")[..16]);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket.Name });
        return bucket;
    }

    public string Uri(string prefix) => $"s3://{Name}/{prefix}";

    public async Task<List<S3Object>> ListAsync(string prefix = "")
    {
        var objects = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = Name, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await Client.ListObjectsV2Async(request);
            objects.AddRange(page.S3Objects ?? []);
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return objects;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var o in await ListAsync())
            {
                await Client.DeleteObjectAsync(Name, o.Key);
            }

            await Client.DeleteBucketAsync(Name);
        }
        finally
        {
            Client.Dispose();
        }
    }
}
