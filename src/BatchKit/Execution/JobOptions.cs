using BatchKit.Shared;
using Microsoft.Extensions.Options;

namespace BatchKit;

/// <summary>Options of a job's execution. Set them with <see cref="JobBuilder{T}.Configure"/>.</summary>
/// <remarks>
/// <see cref="JobOptionsValidator"/> checks them, at <see cref="JobBuilder{T}.Build"/> and when a host binds them from
/// configuration and validates them at start; the range of each property is in its attribute.
/// </remarks>
public sealed class JobOptions
{
    /// <summary>Gets or sets the number of partitions processed at once.</summary>
    /// <value>The default value is <see cref="Environment.ProcessorCount"/>.</value>
    [AtLeast(1)]
    public int MaxParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Gets or sets the number of records in a chunk, the unit of commit.</summary>
    /// <value>The default value is 1000.</value>
    [AtLeast(1)]
    public int CommitInterval { get; set; } = 1000;

    /// <summary>Gets or sets the capacity, in chunks, of each channel between two stages of a partition.</summary>
    /// <value>The default value is 2. Memory stays bounded by stages × capacity × <see cref="CommitInterval"/> records per partition.</value>
    [AtLeast(1)]
    public int ChannelCapacity { get; set; } = 2;

    /// <summary>Gets or sets how many times a failed partition is attempted in one run before the run fails.</summary>
    /// <value>The default value is 3.</value>
    [AtLeast(1)]
    public int MaxPartitionAttempts { get; set; } = 3;

    /// <summary>Gets or sets the time one partition attempt may take before it is cancelled at a chunk boundary.</summary>
    /// <value>The default value is <see cref="Timeout.InfiniteTimeSpan"/>.</value>
    [PositiveOrInfinite]
    public TimeSpan PartitionTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets or sets the time a run may take before it is cancelled, checkpointed and marked <see cref="RunStatus.TimedOut"/>.</summary>
    /// <value>The default value is <see cref="Timeout.InfiniteTimeSpan"/>.</value>
    [PositiveOrInfinite]
    public TimeSpan MaxDuration { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets or sets the maximum share of rejected records among the records read before the run fails.</summary>
    /// <value>The default value is 0.01 (1%).</value>
    [Between(0, 1)]
    public double MaxErrorRate { get; set; } = 0.01;

    /// <summary>
    /// Gets or sets how many records must have been read before <see cref="MaxErrorRate"/> is checked during the run;
    /// it is always checked at the end. Past this sample, the rate is checked as records flow (also while the source
    /// reads bad records), and the run stops early with <see cref="ErrorRateExceededException"/>.
    /// </summary>
    /// <value>The default value is 1000.</value>
    [AtLeast(0)]
    public long ErrorRateMinimumRecords { get; set; } = 1000;

    /// <summary>
    /// Gets or sets how long a partition lease (and the short run lease a worker holds to plan or finalize) lasts without
    /// a heartbeat. A crashed worker's partitions are taken over once their leases expire, or at once by a worker on the
    /// same host, which sees that the process is gone.
    /// </summary>
    /// <value>The default value is 30 seconds; heartbeats renew it every third of that.</value>
    [DurationAtLeast("00:00:01")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long a worker waits for the run lease, which another worker holds only while it plans or
    /// finalizes the run, before failing with <see cref="RunLeaseConflictException"/>. A run lease held by a process of
    /// this host that is gone is taken over at once, and an expired one as soon as it is seen.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: ten times <see cref="LeaseDuration"/> (5 minutes with the defaults),
    /// long enough for another worker to plan a large input. <see cref="TimeSpan.Zero"/> fails at once.
    /// </value>
    [DurationAtLeast("00:00:00")]
    public TimeSpan? LeaseWaitTimeout { get; set; }

    /// <summary>Gets or sets the directory of the staging files written by shuffled partitioning.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: beside the state, in <c>&lt;state file&gt;.staging</c> for a
    /// <see cref="SqliteCheckpointStore"/> (never the system temp folder, which is cleaned on reboot); a
    /// <c>batchkit-staging</c> folder in the system temp directory for other stores.
    /// </value>
    public string? StagingDirectory { get; set; }

    /// <summary>Gets or sets the fewest records a run must read to complete; a run that plans no partition or reads fewer fails with <see cref="EmptyInputException"/>.</summary>
    /// <value>The default value is 1: empty input fails the run. 0 allows empty input (<see cref="JobBuilder{T}.AllowEmptyInput"/>).</value>
    [AtLeast(0)]
    public long MinimumRecords { get; set; } = 1;

    /// <summary>Gets the retry policy of source reads and sink writes.</summary>
    [ValidateObjectMembers]
    public RetryOptions Retry { get; } = new();
}
