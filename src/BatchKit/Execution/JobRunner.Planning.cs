using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <content>Planning or verifying the frozen plan.</content>
public sealed partial class JobRunner
{
    /// <summary>
    /// Returns the frozen plan after checking that the job definition and the inputs of its unfinished partitions did not
    /// change; or, for a new run or a reprocess, plans the partitions and freezes them with the definition. A reprocess
    /// first removes the output of the old plan's partitions that the new plan no longer holds.
    /// </summary>
    private async Task<IReadOnlyList<Partition>> PlanAsync(ICheckpointStore store, RunLease lease, FencingToken fence, RunKey runKey, RunOptions options, CancellationToken cancellationToken)
    {
        var definition = Definition(runKey);
        var frozen = await store.GetPlanAsync(runKey.Value, cancellationToken).ConfigureAwait(false);
        if (frozen is not null && !options.Reprocess)
        {
            await VerifyPlanAsync(store, runKey, frozen, definition, cancellationToken).ConfigureAwait(false);
            return frozen.Partitions;
        }

        var partitions = await _job.Pipeline.PlanAsync(_job.Partitioner, new PartitionPlanContext(runKey), cancellationToken).ConfigureAwait(false);
        var duplicate = partitions.GroupBy(p => p.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new JobValidationException($"The partitioner of job '{_job.Name}' returned the partition id '{duplicate.Key}' {duplicate.Count()} times; ids must be unique.") { JobName = _job.Name };
        }

        // An empty plan is not frozen, so a rerun once the input has arrived plans again.
        var inputs = _job.Pipeline.IsShuffled ? partitions.Count(StagingLayout.IsExtract) : partitions.Count;
        if (inputs == 0 && _job.Options.MinimumRecords > 0)
        {
            throw new EmptyInputException(
                $"The job '{_job.Name}' run {runKey} found no input: no input found at {InputPartitioner.Definition}. The run is not marked completed; "
                + "run it again once the input is there, or call AllowEmptyInput() on the job builder to let it complete empty.")
            {
                JobName = _job.Name,
            };
        }

        if (frozen is not null)
        {
            var kept = partitions.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in frozen.Partitions.Where(p => !StagingLayout.IsExtract(p) && !kept.Contains(p.Id)))
            {
                await _job.Pipeline.RemovePartitionOutputAsync(new SinkContext(runKey, stale, null) { Fence = fence }, cancellationToken).ConfigureAwait(false);
            }

            await store.ResetRunAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        else if (options.Reprocess)
        {
            await store.ResetRunAsync(lease, cancellationToken).ConfigureAwait(false);
        }

        // Shuffled: the extract partitions come first in the plan, and the target partitions behind the barrier become
        // claimable only once every extract partition completed.
        var barrier = _job.Pipeline.IsShuffled ? partitions.Count(StagingLayout.IsExtract) : 0;
        await store.SavePlanAsync(lease, new PartitionPlan(Fingerprint(definition), partitions) { Definition = definition, Barrier = barrier }, cancellationToken).ConfigureAwait(false);
        return partitions;
    }

    private IPartitioner InputPartitioner => _job.Pipeline.IsShuffled ? _job.Pipeline.InputPartitioner : _job.Partitioner;

    /// <summary>Fails the run when its definition changed, or when an input of a partition that is not completed changed, vanished or appeared.</summary>
    private async Task VerifyPlanAsync(ICheckpointStore store, RunKey runKey, PartitionPlan frozen, string definition, CancellationToken cancellationToken)
    {
        const string Advice = "No partition was run; run with RunOptions.Reprocess to plan the run again and process it from scratch.";
        if (frozen.Definition.Length > 0 && !string.Equals(frozen.Definition, definition, StringComparison.Ordinal))
        {
            throw new PlanMismatchException($"The job '{_job.Name}' run {runKey} was planned with another job definition: {DescribeChanges(frozen.Definition, definition)}. {Advice}")
            {
                JobName = _job.Name,
            };
        }

        if (!frozen.Partitions.Any(p => p.InputIdentity is not null))
        {
            return; // nothing was identified by its input: the definition decides the plan
        }

        var states = (await store.GetPartitionStatesAsync(runKey.Value, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.PartitionId, s => s.Status, StringComparer.Ordinal);
        var current = await _job.Pipeline.PlanAsync(_job.Partitioner, new PartitionPlanContext(runKey), cancellationToken).ConfigureAwait(false);
        var currentById = current.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var frozenIds = frozen.Partitions.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var partition in frozen.Partitions.Where(p => p.InputIdentity is not null && states.GetValueOrDefault(p.Id) != PartitionStatus.Completed))
        {
            if (!currentById.TryGetValue(partition.Id, out var now) || now.InputIdentity is null)
            {
                problems.Add($"'{NameOf(partition)}' vanished");
            }
            else if (InputIdentity.DescribeChange(partition.InputIdentity!, now.InputIdentity) is { } change)
            {
                problems.Add($"'{NameOf(partition)}' changed: {change}");
            }
        }

        problems.AddRange(current.Where(p => p.InputIdentity is not null && !frozenIds.Contains(p.Id)).Select(p => $"'{NameOf(p)}' appeared"));
        if (problems.Count > 0)
        {
            throw new PlanMismatchException($"The job '{_job.Name}' run {runKey} was planned with inputs that changed since: {string.Join("; ", problems.Distinct(StringComparer.Ordinal))}. {Advice}")
            {
                JobName = _job.Name,
            };
        }

        static string NameOf(Partition partition) => InputIdentity.NameOf(partition.InputIdentity!) ?? partition.Id;
    }

    /// <summary>The job definition and run parameters that shape the plan and the output, one <c>name: value</c> line each.</summary>
    private string Definition(RunKey runKey)
    {
        var text = new System.Text.StringBuilder();
        text.Append("job: ").Append(_job.Name).Append('\n');
        text.Append("parameters: ").Append(runKey.Parameters.ToString()).Append('\n');
        foreach (var (name, value) in _job.Pipeline.DescribeDefinition(_job.Partitioner))
        {
            text.Append(name).Append(": ").Append(value.ReplaceLineEndings(" ")).Append('\n');
        }

        return text.ToString();
    }

    private static string DescribeChanges(string frozen, string current)
    {
        static Dictionary<string, string> Parse(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(": ", 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.Ordinal);
        var before = Parse(frozen);
        var after = Parse(current);
        var changes = before.Keys.Concat(after.Keys).Distinct(StringComparer.Ordinal)
            .Where(k => !string.Equals(before.GetValueOrDefault(k), after.GetValueOrDefault(k), StringComparison.Ordinal))
            .Select(k => (before.GetValueOrDefault(k), after.GetValueOrDefault(k)) switch
            {
                (null, var now) => $"the {k} '{now}' was added",
                (var old, null) => $"the {k} '{old}' was removed",
                (var old, var now) when k == "partition count" => $"the partition count changed from {old} to {now}",
                (var old, var now) => $"the {k} changed from '{old}' to '{now}'",
            });
        return string.Join("; ", changes);
    }

    private static string Fingerprint(string definition) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(definition)));

    private void ThrowIfBelowMinimum(RunKey runKey, long recordsRead)
    {
        var minimum = _job.Options.MinimumRecords;
        if (recordsRead >= minimum)
        {
            return;
        }

        var where = recordsRead == 0 ? $"no input found at {InputPartitioner.Definition}: " : string.Empty;
        throw new EmptyInputException(
            $"The job '{_job.Name}' run {runKey}: {where}{recordsRead} record(s) read, below the expected minimum of {minimum}: data missing? "
            + "The run is not marked completed; change the minimum with ExpectAtLeast(n) or AllowEmptyInput() on the job builder.")
        {
            JobName = _job.Name,
        };
    }
}
