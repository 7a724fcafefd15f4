namespace BatchKit;

/// <summary>How source reads and sink writes are retried: exponential backoff with jitter, built on Polly.</summary>
public sealed class RetryOptions
{
    /// <summary>Gets or sets the number of retries after the first failure of a call.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Gets or sets the delay before the first retry; later retries double it, with jitter.</summary>
    /// <value>The default value is 200 milliseconds.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the predicate that tells whether a failure may be retried.</summary>
    /// <value>
    /// The default value retries every exception except cancellation, lease loss, data errors
    /// (<see cref="InvalidDataException"/>, <see cref="FormatException"/>) and non-transient <see cref="BatchKitException"/>s.
    /// </value>
    public Func<Exception, bool> ShouldRetry { get; set; } = IsTransientByDefault;

    /// <summary>Tells whether an exception is worth retrying under the default policy.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> if a retry may succeed.</returns>
    public static bool IsTransientByDefault(Exception exception) => exception switch
    {
        OperationCanceledException => false,
        BatchKitException bk => bk.IsTransient,
        InvalidDataException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException => false,
        _ => true,
    };
}
