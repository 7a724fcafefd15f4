using System.Net;
using Amazon.S3;

namespace BatchKit.S3;

/// <summary>Turns the SDK's exceptions into <see cref="S3StorageException"/>s that name the object and say whether a retry can help.</summary>
internal static class S3Errors
{
    public static S3StorageException Translate(AmazonS3Exception exception, string location, string action)
    {
        var status = (int)exception.StatusCode;
        var code = exception.ErrorCode;
        var transient = status is 408 or 429 or >= 500 || code is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable";
        var what = code switch
        {
            "NoSuchBucket" => $"the bucket '{BucketOf(location)}' does not exist",
            "NoSuchKey" => "the object does not exist",
            "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" => "access was denied; check the credentials and the bucket policy",
            _ when exception.StatusCode == HttpStatusCode.NotFound => "the object or bucket does not exist",
            _ when exception.StatusCode == HttpStatusCode.Forbidden => "access was denied; check the credentials and the bucket policy",
            _ => transient ? "the server failed or throttled the request; it is retried" : "the server refused the request",
        };
        var detail = code is { Length: > 0 } ? $"{code}, HTTP {status}" : $"HTTP {status}";
        return new S3StorageException($"{location}: {action} failed: {what} ({detail}).", exception)
        {
            IsTransient = transient,
            StatusCode = status,
            ErrorCode = code,
        };
    }

    public static bool IsPreconditionFailed(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.PreconditionFailed || exception.ErrorCode == "PreconditionFailed";

    public static bool IsNotFound(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.NotFound && exception.ErrorCode != "NoSuchBucket";

    private static string BucketOf(string location) => S3Uri.IsS3(location) ? S3Uri.Parse(location).Bucket : location;
}
