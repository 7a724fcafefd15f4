namespace BatchKit;

/// <content>Reconciling a run whose input changed after it completed (late-arriving data, <see cref="RunOptions.ReprocessChangedInput"/>).</content>
public sealed partial class JobRunner
{
    /// <summary>Fails at once when the job cannot reprocess single partitions of a completed run so that its output equals a clean run's.</summary>
    private void EnsureCanReconcile()
    {
        string? problem = null;
        if (_job.Pipeline.IsShuffled)
        {
            problem = "it shuffles its input, so every input partition feeds every target partition: a changed input cannot be reprocessed partition by partition";
        }
        else if (!_job.Pipeline.ReplacesPartitionOutput)
        {
            problem = "its sink neither replaces a partition's output when the partition runs again (WriteDisposition.ReplacePartition) nor publishes one output per partition "
                + "(IPartitionOutputRemover), so reprocessing a partition would add its records a second time, or (Upsert) keep the ones its new input no longer holds";
        }

        if (problem is not null)
        {
            throw new JobValidationException(
                $"The job '{_job.Name}' cannot reprocess the partitions whose input changed (RunOptions.ReprocessChangedInput): {problem}. Nothing was done; "
                + "reprocess the whole run with RunOptions.Reprocess instead.")
            {
                JobName = _job.Name,
            };
        }
    }

    /// <summary>Whether this join reconciles: the option is set, no reprocess is asked, and the run is not completed with doubts.</summary>
    private static bool Reconciles(RunOptions options, RunRecord record) =>
        options.ReprocessChangedInput && !options.Reprocess && record.Status != RunStatus.CompletedWithDoubts;

    /// <summary>
    /// Plans the run again and compares it with the frozen plan: returns the partitions whose input changed, appeared or
    /// vanished, or <see langword="null"/> when none did (or the run has no plan, or no partition is identified by its input).
    /// </summary>
    /// <exception cref="PlanMismatchException">The job definition changed, or an input vanished and the sink cannot remove a partition's output.</exception>
    private async Task<LateInput?> FindLateInputAsync(ICheckpointStore store, RunKey runKey, CancellationToken cancellationToken)
    {
        var frozen = await store.GetPlanAsync(runKey.Value, cancellationToken).ConfigureAwait(false);
        if (frozen is null || !frozen.Partitions.Any(p => p.InputIdentity is not null))
        {
            return null;
        }

        var definition = Definition(runKey);
        if (frozen.Definition.Length > 0 && !string.Equals(frozen.Definition, definition, StringComparison.Ordinal))
        {
            throw new PlanMismatchException(
                $"The job '{_job.Name}' run {runKey} was planned with another job definition: {DescribeChanges(frozen.Definition, definition)}. Only changed input is "
                + "reconciled; nothing was changed. Reprocess the run with RunOptions.Reprocess to process it from scratch with the new definition.")
            {
                JobName = _job.Name,
            };
        }

        var current = await _job.Pipeline.PlanAsync(_job.Partitioner, new PartitionPlanContext(runKey), cancellationToken).ConfigureAwait(false);
        var duplicate = current.GroupBy(p => p.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new JobValidationException($"The partitioner of job '{_job.Name}' returned the partition id '{duplicate.Key}' {duplicate.Count()} times; ids must be unique.") { JobName = _job.Name };
        }

        var frozenById = frozen.Partitions.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var currentIds = current.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var changed = new List<string>();
        var details = new List<string>();
        foreach (var partition in current)
        {
            if (!frozenById.TryGetValue(partition.Id, out var before))
            {
                details.Add($"'{NameOf(partition)}' appeared");
            }
            else if (!string.Equals(before.InputIdentity, partition.InputIdentity, StringComparison.Ordinal))
            {
                changed.Add(partition.Id);
                details.Add(before.InputIdentity is { } old && partition.InputIdentity is { } now
                    ? $"'{NameOf(partition)}' changed: {InputIdentity.DescribeChange(old, now)}"
                    : $"'{NameOf(partition)}' changed");
            }
        }

        var appeared = current.Where(p => !frozenById.ContainsKey(p.Id)).Select(p => p.Id).ToList();
        var vanished = frozen.Partitions.Where(p => !currentIds.Contains(p.Id)).ToList();
        details.AddRange(vanished.Select(p => $"'{NameOf(p)}' vanished"));
        if (changed.Count + appeared.Count + vanished.Count == 0)
        {
            return null;
        }

        if (vanished.Count > 0 && !_job.Pipeline.CanRemovePartitionOutput)
        {
            throw new PlanMismatchException(
                $"The job '{_job.Name}' run {runKey} was planned with inputs that vanished since: {string.Join("; ", vanished.Select(p => $"'{NameOf(p)}'"))}. Its sink cannot remove "
                + "a partition's output (it does not implement IPartitionOutputRemover), so the output of the vanished input would stay; nothing was changed. "
                + "Reprocess the run with RunOptions.Reprocess, or remove that output by hand.")
            {
                JobName = _job.Name,
            };
        }

        return new LateInput(current, changed, appeared, vanished, definition, string.Join("; ", details));

        static string NameOf(Partition partition) => partition.InputIdentity is { } identity ? InputIdentity.NameOf(identity) ?? partition.Id : partition.Id;
    }

    /// <summary>
    /// Under the run lease: removes the output of the partitions whose input vanished (fenced, idempotent), then amends the
    /// frozen plan in one store transaction (changed partitions reopened from their first record, new ones added, vanished
    /// ones dropped, the run running again). Returns the new plan.
    /// </summary>
    private async Task<IReadOnlyList<Partition>> ReconcileAsync(ICheckpointStore store, RunLease lease, FencingToken fence, RunKey runKey, LateInput late, CancellationToken cancellationToken)
    {
        // Removed first: a crash before the amendment finds the input vanished again next time and removes nothing more.
        foreach (var vanished in late.Vanished)
        {
            await _job.Pipeline.RemovePartitionOutputAsync(new SinkContext(runKey, vanished, null) { Fence = fence }, cancellationToken).ConfigureAwait(false);
        }

        await store.AmendPlanAsync(lease, new PartitionPlan(Fingerprint(late.Definition), late.Plan) { Definition = late.Definition }, late.Changed, cancellationToken).ConfigureAwait(false);
        CountLate("changed", late.Changed.Count);
        CountLate("appeared", late.Appeared.Count);
        CountLate("vanished", late.Vanished.Count);
        return late.Plan;
    }

    private void CountLate(string kind, int count)
    {
        if (count > 0)
        {
            BatchKitDiagnostics.LatePartitions.Add(count, BatchKitDiagnostics.Tags(_job.Name, "batchkit.late.kind", kind));
        }
    }

    /// <summary>What changed in a run's input since its plan was frozen.</summary>
    private sealed record LateInput(IReadOnlyList<Partition> Plan, IReadOnlyList<string> Changed, IReadOnlyList<string> Appeared, IReadOnlyList<Partition> Vanished, string Definition, string Details)
    {
        public int Count => Changed.Count + Appeared.Count + Vanished.Count;
    }
}
