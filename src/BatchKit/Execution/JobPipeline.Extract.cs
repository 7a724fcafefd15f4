namespace BatchKit;

internal sealed partial class JobPipeline<TSource, TSink>
{
    /// <summary>
    /// The extract stage of shuffled partitioning for one input partition: reads it once and routes each record to its
    /// target partition's segments of the partition's one staging file (<see cref="StagingFile"/>). The file is written
    /// under a temporary name, flushed to disk, then renamed, and the extract partition is marked completed only after
    /// the rename: a crash repeats the whole input partition.
    /// </summary>
    private async Task<PartitionOutcome> ExtractAsync(PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var shuffleDefinition = shuffle!;
        var input = StagingLayout.InputOf(runtime.Partition);
        var router = shuffleDefinition.Router;
        var serializer = shuffleDefinition.Serializer;
        var suffix = ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var inputRuntime = runtime with { Partition = input, StartPosition = 0, StartOrdinal = 0, ErrorBudget = new ErrorBudget(runtime.Skip.MaxStoredErrorsPerPartition) };
        long read = 0, routed = 0, errors = 0;
        using var staging = new StagingFile.Writer(StagingLayout.File(runtime.StagingDirectory, runtime.RunKey, runtime.Partition.Id), suffix, router.PartitionCount);
        {
            await using var reader = new RetryingSourceReader<TSource>(source, inputRuntime);
            var buffer = new TSource[runtime.CommitInterval];
            while (true)
            {
                var n = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                var (drafts, unstored) = reader.TakeErrors();
                var bad = (drafts?.Count ?? 0) + unstored;
                if (bad > 0)
                {
                    errors += bad;
                    var checkpoint = new Checkpoint(runtime.Partition.Id, "extract", reader.Position, read + n + bad, routed + n, errors, 0, runtime.Job.TimeProvider.GetUtcNow());
                    await runtime.Store.CommitChunkAsync(runtime.Lease, checkpoint, drafts?.ConvertAll(d => runtime.ToErrorRecord(d)) ?? [], cancellationToken).ConfigureAwait(false);
                    runtime.Probe?.Checkpointed();
                    Log.RecordsSkipped(runtime.Logger, runtime.Job.Name, runtime.Partition.Id, bad, read);
                }

                if (n == 0)
                {
                    read += bad;
                    runtime.Counters.Add(bad, bad);
                    runtime.Progress?.Set(read, routed, errors, 0);
                    break;
                }

                for (var i = 0; i < n; i++)
                {
                    var record = buffer[i];
                    staging.Write(router.Route(record), record, serializer);
                }

                read += n + bad;
                routed += n;
                runtime.Counters.Add(n + bad, bad);
                runtime.Progress?.Set(read, routed, errors, 0);
                cancellationToken.ThrowIfCancellationRequested();
            }

            staging.Commit();

            // The completion records how many staging files the partition published (as its sink position), so a resumed
            // run can tell that some are missing, even when the partition's whole folder is gone.
            var done = new Checkpoint(runtime.Partition.Id, "extract", 0, read, routed, errors, 1, runtime.Job.TimeProvider.GetUtcNow());
            await runtime.Store.CommitChunkAsync(runtime.Lease, done, [], cancellationToken).ConfigureAwait(false);
            runtime.Progress?.Set(read, routed, errors, 0);
            return new PartitionOutcome(read, routed, errors);
        }
    }
}
