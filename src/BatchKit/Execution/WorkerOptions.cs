using System.Globalization;
using BatchKit.Shared;

namespace BatchKit;

/// <summary>
/// Options of one worker process that shares a run with others (<see cref="JobRunner.RunWorkerAsync"/>): its share of
/// the plan and its lease duration.
/// </summary>
/// <remarks>
/// With <see cref="WorkerCount"/> set, a worker first claims the partitions whose plan position modulo
/// <see cref="WorkerCount"/> is its <see cref="WorkerIndex"/>, then steals any other claimable partition, so a worker that
/// never starts (or dies) slows the run down but never stalls it. Without it, workers claim in plan order.
/// </remarks>
public sealed class WorkerOptions
{
    /// <summary>The environment variable Kubernetes Indexed Jobs set to the pod's completion index.</summary>
    public const string CompletionIndexVariable = "JOB_COMPLETION_INDEX";

    /// <summary>The environment variable <see cref="FromEnvironment"/> reads the number of workers from (set it to the Job's <c>completions</c>).</summary>
    public const string WorkerCountVariable = "BATCHKIT_WORKER_COUNT";

    /// <summary>Gets or sets the number of workers that split the plan by index, or 0 when workers claim in plan order.</summary>
    /// <value>The default value is 0.</value>
    [AtLeast(0)]
    public int WorkerCount { get; set; }

    /// <summary>Gets or sets this worker's index among <see cref="WorkerCount"/>, from 0.</summary>
    /// <value>The default value is 0.</value>
    [AtLeast(0)]
    public int WorkerIndex { get; set; }

    /// <summary>Gets or sets how long this worker's partition leases (and its short run leases) last without a heartbeat.</summary>
    /// <value>The default value is <see langword="null"/>: the job's <see cref="JobOptions.LeaseDuration"/>.</value>
    [DurationAtLeast("00:00:01")]
    public TimeSpan? LeaseDuration { get; set; }

    /// <summary>Gets or sets a value indicating whether this worker resumes a run cancelled by a request, as <see cref="RunOptions.ResumeCancelled"/>.</summary>
    /// <value>The default value is <see langword="false"/>: the worker returns <see cref="RunStatus.Cancelled"/> at once.</value>
    public bool ResumeCancelled { get; set; }

    /// <summary>
    /// Gets or sets what receives the run's progress while this worker runs, as <see cref="RunOptions.Progress"/>: the
    /// partitions this worker runs with their live counts, and the other workers' partitions with the states the store
    /// last showed.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no progress is reported.</value>
    public IProgress<RunProgress>? Progress { get; set; }

    /// <summary>Gets or sets the time between two reports to <see cref="Progress"/>.</summary>
    /// <value>The default value is one second.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan ProgressInterval
    {
        get => _progressInterval;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _progressInterval = value;
        }
    }

    private TimeSpan _progressInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Creates the options of a pod of a Kubernetes Indexed Job: the index from <c>JOB_COMPLETION_INDEX</c> and the
    /// worker count from <c>BATCHKIT_WORKER_COUNT</c>. Either missing gives a worker without a share.
    /// </summary>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">A variable is set but is not a non-negative integer.</exception>
    public static WorkerOptions FromEnvironment()
    {
        var index = Environment.GetEnvironmentVariable(CompletionIndexVariable);
        var count = Environment.GetEnvironmentVariable(WorkerCountVariable);
        if (string.IsNullOrEmpty(index) || string.IsNullOrEmpty(count))
        {
            return new WorkerOptions();
        }

        return new WorkerOptions { WorkerIndex = Parse(CompletionIndexVariable, index), WorkerCount = Parse(WorkerCountVariable, count) };

        static int Parse(string name, string value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"The environment variable {name} must be a non-negative integer, found '{value}'.");
    }
}
