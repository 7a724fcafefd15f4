using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace BatchKit.S3;

/// <summary>
/// The settings of the S3 client that BatchKit.S3 creates: endpoint, region, path-style addressing and checksums, for
/// AWS and for S3-compatible servers (Ceph radosgw, MinIO). Credentials come from the AWS SDK's standard chain
/// (<c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>, profiles, instance roles) unless <see cref="Credentials"/> is set.
/// </summary>
public sealed class S3ClientOptions
{
    /// <summary>Gets or sets the endpoint of an S3-compatible server, for example <c>http://127.0.0.1:7480</c>.</summary>
    /// <value>The default value is <see langword="null"/>: the AWS endpoint of <see cref="Region"/>.</value>
    public string? ServiceUrl { get; set; }

    /// <summary>Gets or sets the region, for example <c>eu-west-1</c>.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the SDK's own resolution (<c>AWS_REGION</c>, the profile), or
    /// <c>us-east-1</c> for signing when <see cref="ServiceUrl"/> is set.
    /// </value>
    public string? Region { get; set; }

    /// <summary>Gets or sets a value indicating whether buckets are addressed in the path (<c>http://host/bucket/key</c>) instead of the host name.</summary>
    /// <value>The default value is <see langword="null"/>: path style when <see cref="ServiceUrl"/> is set (S3-compatible servers), virtual-host style on AWS.</value>
    public bool? ForcePathStyle { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether request and response checksums are computed only when an operation
    /// requires them. S3-compatible servers such as radosgw refuse most calls that carry the SDK's default checksums.
    /// </summary>
    /// <value>The default value is <see langword="true"/>, which works with AWS and with S3-compatible servers.</value>
    public bool ChecksumsWhenRequiredOnly { get; set; } = true;

    /// <summary>Gets or sets the credentials.</summary>
    /// <value>The default value is <see langword="null"/>: the SDK's standard credential chain.</value>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>
    /// Creates options from the AWS SDKs' standard environment variables: the endpoint from <c>AWS_ENDPOINT_URL_S3</c>,
    /// else <c>AWS_ENDPOINT_URL</c>; the region from <c>AWS_REGION</c>, else <c>AWS_DEFAULT_REGION</c>. Credentials are
    /// left to the SDK's chain, which reads <c>AWS_ACCESS_KEY_ID</c> and <c>AWS_SECRET_ACCESS_KEY</c>.
    /// </summary>
    /// <returns>The options; the same command then runs against AWS or a local S3-compatible server.</returns>
    /// <remarks>
    /// The endpoint variables are read here rather than left to the SDK so that <see cref="ForcePathStyle"/> and the
    /// signing region follow from them, which an S3-compatible server needs.
    /// </remarks>
    public static S3ClientOptions FromEnvironment() => new()
    {
        ServiceUrl = Variable("AWS_ENDPOINT_URL_S3") ?? Variable("AWS_ENDPOINT_URL"),
        Region = Variable("AWS_REGION") ?? Variable("AWS_DEFAULT_REGION"),
    };

    /// <summary>Creates an S3 client with these settings.</summary>
    /// <returns>The client; the caller disposes it.</returns>
    /// <exception cref="UriFormatException"><see cref="ServiceUrl"/> is not an absolute URL.</exception>
    public IAmazonS3 CreateClient()
    {
        var config = new AmazonS3Config();
        if (ServiceUrl is { Length: > 0 } url)
        {
            config.ServiceURL = new Uri(url, UriKind.Absolute).ToString();
            config.AuthenticationRegion = Region ?? "us-east-1";
        }
        else if (Region is { Length: > 0 } region)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        config.ForcePathStyle = ForcePathStyle ?? ServiceUrl is { Length: > 0 };
        if (ChecksumsWhenRequiredOnly)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        return Credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(Credentials, config);
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
