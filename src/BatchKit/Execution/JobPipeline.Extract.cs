namespace BatchKit;

internal sealed partial class JobPipeline<TSource, TSink>
{
    /// <summary>
    /// The extract stage of shuffled partitioning for one input partition: reads it once and routes each record to its
    /// target partition's staging file. Files are written under temporary names, flushed to disk, then renamed, and
    /// the extract partition is marked completed only after every rename: a crash repeats the whole input partition.
    /// </summary>
    private async Task<PartitionOutcome> ExtractAsync(PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var shuffleDefinition = shuffle!;
        var input = StagingLayout.InputOf(runtime.Partition);
        var router = shuffleDefinition.Router;
        var serializer = shuffleDefinition.Serializer;
        var count = router.PartitionCount;
        var writers = new BinaryWriter?[count];
        var temporary = new string[count];
        var suffix = ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var inputRuntime = runtime with { Partition = input, StartPosition = 0, StartOrdinal = 0, ErrorBudget = new ErrorBudget(runtime.Skip.MaxStoredErrorsPerPartition) };
        long read = 0, routed = 0, errors = 0, files = 0;
        try
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
                }

                if (n == 0)
                {
                    read += bad;
                    runtime.Counters.Add(bad, bad);
                    break;
                }

                for (var i = 0; i < n; i++)
                {
                    var record = buffer[i];
                    var target = router.Route(record);
                    var writer = writers[target] ??= Create(runtime, target, suffix, temporary);
                    serializer.Write(writer, record);
                }

                read += n + bad;
                routed += n;
                runtime.Counters.Add(n + bad, bad);
                cancellationToken.ThrowIfCancellationRequested();
            }

            for (var i = 0; i < count; i++)
            {
                if (writers[i] is { } writer)
                {
                    writer.Flush();
                    ((FileStream)writer.BaseStream).Flush(flushToDisk: true);
                    writer.Dispose();
                    writers[i] = null;
                    File.Move(temporary[i], StagingLayout.File(runtime.StagingDirectory, runtime.RunKey, runtime.Partition.Id, i), overwrite: true);
                    files++;
                }
                else
                {
                    // No record of this input belongs to target i: remove a file a crashed earlier attempt may have left.
                    File.Delete(StagingLayout.File(runtime.StagingDirectory, runtime.RunKey, runtime.Partition.Id, i));
                }
            }

            // The completion records how many staging files the partition published (as its sink position), so a resumed
            // run can tell that some are missing, even when the partition's whole folder is gone.
            var done = new Checkpoint(runtime.Partition.Id, "extract", 0, read, routed, errors, files, runtime.Job.TimeProvider.GetUtcNow());
            await runtime.Store.CommitChunkAsync(runtime.Lease, done, [], cancellationToken).ConfigureAwait(false);
            return new PartitionOutcome(read, routed, errors);
        }
        finally
        {
            foreach (var writer in writers)
            {
                writer?.Dispose();
            }

            foreach (var path in temporary)
            {
                if (path is not null && File.Exists(path))
                {
                    File.Delete(path);
                }
            }
        }
    }

    private static BinaryWriter Create(PartitionRuntime runtime, int target, string suffix, string[] temporary)
    {
        var final = StagingLayout.File(runtime.StagingDirectory, runtime.RunKey, runtime.Partition.Id, target);
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        temporary[target] = final + suffix;
        return new BinaryWriter(new FileStream(temporary[target], FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16));
    }
}
