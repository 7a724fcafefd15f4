using System.Globalization;

namespace BatchKit;

/// <summary>Formats timestamps and builds the error messages shared by the built-in checkpoint stores.</summary>
internal static class StateStoreText
{
    /// <summary>Truncates an instant to the millisecond, in UTC: the precision the stores keep.</summary>
    /// <param name="value">The instant.</param>
    /// <returns>The truncated instant.</returns>
    public static DateTimeOffset Truncate(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    /// <summary>Describes a run for messages: its job name and parameters.</summary>
    /// <param name="jobName">The job name.</param>
    /// <param name="parameters">The canonical parameters.</param>
    /// <returns>The description.</returns>
    public static string DescribeRun(string jobName, string parameters) =>
        parameters.Length == 0 ? $"the run of job '{jobName}' (no parameters)" : $"the run of job '{jobName}' with parameters '{parameters}'";

    /// <summary>Builds the error raised when another live owner holds a run's lease.</summary>
    /// <param name="run">The run as stored.</param>
    /// <param name="owner">The owner that asked for the lease.</param>
    /// <returns>The exception.</returns>
    public static RunLeaseConflictException Conflict(RunRecord run, string owner) =>
        new($"Cannot start {DescribeRun(run.JobName, run.Parameters)} as '{owner}': it is held by '{run.LeaseOwner}' "
            + $"(lease epoch {run.LeaseEpoch.ToString(CultureInfo.InvariantCulture)}) until {Format(run.LeaseExpiresAt)}. "
            + "Wait for that process to finish or for its lease to expire.")
        {
            JobName = run.JobName,
        };

    /// <summary>Builds the error raised when a write carries a lease that was taken over.</summary>
    /// <param name="lease">The stale lease.</param>
    /// <param name="jobName">The job name, or <see langword="null"/> when the run no longer exists.</param>
    /// <param name="parameters">The canonical parameters.</param>
    /// <param name="currentOwner">The current owner, if any.</param>
    /// <param name="currentEpoch">The current epoch.</param>
    /// <returns>The exception.</returns>
    public static LeaseLostException LeaseLost(RunLease lease, string? jobName, string? parameters, string? currentOwner, long currentEpoch)
    {
        var epoch = lease.Epoch.ToString(CultureInfo.InvariantCulture);
        if (jobName is null)
        {
            return new LeaseLostException(
                $"The lease of '{lease.Owner}' (epoch {epoch}) on run '{lease.RunKey}' is void: the run no longer exists. The write was not made.");
        }

        var holder = currentOwner is null ? "no owner holds it now" : $"it is now held by '{currentOwner}'";
        return new LeaseLostException(
            $"The lease of '{lease.Owner}' (epoch {epoch}) on {DescribeRun(jobName, parameters ?? string.Empty)} was lost: "
            + $"{holder} (epoch {currentEpoch.ToString(CultureInfo.InvariantCulture)}). The write was not made.")
        {
            JobName = jobName,
        };
    }

    /// <summary>Builds the error raised when a write carries a partition lease that was taken over or ended.</summary>
    /// <param name="lease">The stale lease.</param>
    /// <param name="jobName">The job name, or <see langword="null"/> when the run no longer exists.</param>
    /// <param name="parameters">The canonical parameters.</param>
    /// <param name="currentOwner">The current owner, if any.</param>
    /// <param name="currentEpoch">The current epoch.</param>
    /// <returns>The exception.</returns>
    public static LeaseLostException PartitionLeaseLost(PartitionLease lease, string? jobName, string? parameters, string? currentOwner, long currentEpoch)
    {
        var epoch = lease.Epoch.ToString(CultureInfo.InvariantCulture);
        if (jobName is null)
        {
            return new LeaseLostException(
                $"The lease of '{lease.Owner}' (epoch {epoch}) on partition '{lease.PartitionId}' of run '{lease.RunKey}' is void: the run or the partition no longer exists. The write was not made.")
            {
                PartitionId = lease.PartitionId,
            };
        }

        var holder = currentOwner is null ? "no worker holds it now" : $"it is now held by '{currentOwner}'";
        return new LeaseLostException(
            $"The lease of '{lease.Owner}' (epoch {epoch}) on partition '{lease.PartitionId}' of {DescribeRun(jobName, parameters ?? string.Empty)} was lost: "
            + $"{holder} (epoch {currentEpoch.ToString(CultureInfo.InvariantCulture)}). The write was not made.")
        {
            JobName = jobName,
            PartitionId = lease.PartitionId,
        };
    }

    /// <summary>Checks that a partition id is the leased partition's.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="partitionId">The id of the partition written.</param>
    /// <exception cref="ArgumentException">The ids differ.</exception>
    public static void ValidatePartition(PartitionLease lease, string partitionId)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!string.Equals(lease.PartitionId, partitionId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A write for partition '{partitionId}' carries the lease of partition '{lease.PartitionId}'; each partition's writes carry its own lease.", nameof(partitionId));
        }
    }

    /// <summary>Builds the error raised when a plan is saved twice.</summary>
    /// <param name="jobName">The job name.</param>
    /// <param name="parameters">The canonical parameters.</param>
    /// <returns>The exception.</returns>
    public static InvalidOperationException PlanExists(string jobName, string parameters) =>
        new($"A partition plan is already saved for {DescribeRun(jobName, parameters)}; a saved plan is frozen. Reset the run to plan it again.");

    /// <summary>Builds the error raised when a plan is amended for a run that has none.</summary>
    /// <param name="jobName">The job name.</param>
    /// <param name="parameters">The canonical parameters.</param>
    /// <returns>The exception.</returns>
    public static InvalidOperationException NoPlanToAmend(string jobName, string parameters) =>
        new($"No partition plan is saved for {DescribeRun(jobName, parameters)}, so none can be amended; save the plan first.");

    /// <summary>Validates an amended plan and the partitions it reopens against the frozen plan.</summary>
    /// <param name="frozen">The ids of the frozen plan.</param>
    /// <param name="plan">The new plan.</param>
    /// <param name="reopened">The reopened ids.</param>
    /// <param name="jobName">The job name.</param>
    /// <param name="parameters">The canonical parameters.</param>
    /// <exception cref="InvalidOperationException">A reopened id is not in both plans.</exception>
    public static void ValidateAmendment(IReadOnlyCollection<string> frozen, PartitionPlan plan, IReadOnlyCollection<string> reopened, string jobName, string parameters)
    {
        var ids = plan.Partitions.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var old = frozen.ToHashSet(StringComparer.Ordinal);
        foreach (var id in reopened)
        {
            if (!ids.Contains(id) || !old.Contains(id))
            {
                throw new InvalidOperationException($"Partition '{id}' cannot be reopened by the amended plan of {DescribeRun(jobName, parameters)}: it must be in the frozen plan and in the new one.");
            }
        }
    }

    /// <summary>Builds the error raised when a state is written for a partition that is not in the plan.</summary>
    /// <param name="jobName">The job name.</param>
    /// <param name="parameters">The canonical parameters.</param>
    /// <param name="partitionId">The partition id.</param>
    /// <returns>The exception.</returns>
    public static InvalidOperationException UnknownPartition(string jobName, string parameters, string partitionId) =>
        new($"Partition '{partitionId}' is not in the saved partition plan of {DescribeRun(jobName, parameters)}; save the plan first.");

    /// <summary>Builds the error raised when an effect key is not claimed.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="key">The idempotency key.</param>
    /// <returns>The exception.</returns>
    public static InvalidOperationException EffectNotClaimed(string runKey, string key) =>
        new($"The idempotency key '{key}' was never claimed in run '{runKey}'; claim it before confirming or resolving it.");

    /// <summary>Builds the error raised when a confirmed effect is to be forgotten.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="key">The idempotency key.</param>
    /// <returns>The exception.</returns>
    public static InvalidOperationException EffectConfirmed(string runKey, string key) =>
        new($"The idempotency key '{key}' of run '{runKey}' is confirmed, not in doubt; a confirmed effect cannot be forgotten.");

    /// <summary>Checks the arguments of a plan.</summary>
    /// <param name="plan">The plan.</param>
    /// <exception cref="ArgumentException">A partition is missing or an id is repeated.</exception>
    public static void ValidatePlan(PartitionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(plan.Fingerprint, nameof(plan));
        ArgumentNullException.ThrowIfNull(plan.Partitions, nameof(plan));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < plan.Partitions.Count; i++)
        {
            var partition = plan.Partitions[i]
                ?? throw new ArgumentException($"The partition plan has no partition at position {i.ToString(CultureInfo.InvariantCulture)}.", nameof(plan));
            if (string.IsNullOrEmpty(partition.Id) || partition.Descriptor is null)
            {
                throw new ArgumentException($"The partition at position {i.ToString(CultureInfo.InvariantCulture)} of the plan has no id or no descriptor.", nameof(plan));
            }

            if (!ids.Add(partition.Id))
            {
                throw new ArgumentException($"The partition plan holds the partition id '{partition.Id}' twice (again at position {i.ToString(CultureInfo.InvariantCulture)}).", nameof(plan));
            }
        }
    }

    /// <summary>Checks that error records belong to the leased run.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="errors">The error records.</param>
    /// <exception cref="ArgumentException">A record belongs to another run.</exception>
    public static void ValidateErrors(PartitionLease lease, IReadOnlyList<ErrorRecord> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var error in errors)
        {
            ArgumentNullException.ThrowIfNull(error, nameof(errors));
            if (!string.Equals(error.RunKey, lease.RunKey, StringComparison.Ordinal) || !string.Equals(error.PartitionId, lease.PartitionId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"An error record of partition '{error.PartitionId}' at offset {error.Offset.ToString(CultureInfo.InvariantCulture)} belongs to run '{error.RunKey}', expected the leased partition '{lease.PartitionId}' of run '{lease.RunKey}'.", nameof(errors));
            }
        }
    }

    private static string Format(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "(no expiry)";
}
