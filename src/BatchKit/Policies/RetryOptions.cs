using BatchKit.Shared;

namespace BatchKit;

/// <summary>How source reads and sink writes are retried: exponential backoff with jitter, built on Polly.</summary>
public sealed class RetryOptions
{
    /// <summary>Gets or sets the number of retries after the first failure of a call.</summary>
    /// <value>The default value is 3.</value>
    [AtLeast(0)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>Gets or sets the delay before the first retry; later retries double it, with jitter.</summary>
    /// <value>The default value is 200 milliseconds.</value>
    [DurationAtLeast("00:00:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the predicate that tells whether a failure may be retried.</summary>
    /// <value>
    /// The default value retries every exception except lease loss, data errors (<see cref="InvalidDataException"/>,
    /// <see cref="FormatException"/>), caller mistakes and non-transient <see cref="BatchKitException"/>s.
    /// </value>
    /// <remarks>
    /// The predicate is not asked once the run's own token is cancelled (by the caller, <see cref="JobOptions.MaxDuration"/>,
    /// <see cref="JobOptions.PartitionTimeout"/> or a lost lease): such a call is never retried. An
    /// <see cref="OperationCanceledException"/> it does see was raised by the source or sink itself, the way an
    /// <c>HttpClient</c> timeout surfaces, and is a transient failure.
    /// </remarks>
    public Func<Exception, bool> ShouldRetry { get; set; } = IsTransientByDefault;

    /// <summary>Tells whether an exception is worth retrying under the default policy.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> if a retry may succeed.</returns>
    /// <remarks>An <see cref="OperationCanceledException"/> is transient: the run's own cancellation never reaches the predicate.</remarks>
    public static bool IsTransientByDefault(Exception exception) => exception switch
    {
        OperationCanceledException => true,
        BatchKitException bk => bk.IsTransient,
        InvalidDataException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException => false,
        _ => true,
    };
}
