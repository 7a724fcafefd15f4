namespace BatchKit.S3;

/// <summary>
/// An S3 request failed. The message names the object (<c>s3://bucket/key</c>) or bucket, what was done and the
/// server's error code; it never holds credentials, signatures or presigned URLs. <see cref="BatchKitException.IsTransient"/>
/// is <see langword="true"/> for throttling (503 SlowDown, 429), timeouts (408) and server errors (5xx), which are retried
/// with backoff, and <see langword="false"/> for failures that can never succeed (a missing bucket or key, access denied,
/// a bad request), which fail at once. The SDK's exception is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class S3StorageException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="S3StorageException"/> class.</summary>
    public S3StorageException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="S3StorageException"/> class.</summary>
    /// <param name="message">The message.</param>
    public S3StorageException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="S3StorageException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public S3StorageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the HTTP status code of the failed request.</summary>
    /// <value>0 when no response arrived.</value>
    public int StatusCode { get; init; }

    /// <summary>Gets the S3 error code, for example <c>NoSuchKey</c> or <c>SlowDown</c>.</summary>
    public string? ErrorCode { get; init; }
}
