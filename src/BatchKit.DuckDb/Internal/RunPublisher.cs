using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>Publishes every staged row of a run in one transaction, when the sink has a <see cref="DuckDbSinkOptions.RunSlice"/>.</summary>
internal static class RunPublisher
{
    public static async ValueTask PublishAsync<T>(SinkCore<T> core, RunCompletionContext context, CancellationToken cancellationToken)
    {
        var runKey = context.RunKey;
        var partitions = context.Partitions;
        var fence = context.Fence;
        var slice = core.RunSlice!(runKey)
            ?? throw new InvalidOperationException($"The run slice function of the DuckDB sink of table '{core.Map.Table}' returned null for run {runKey}.");
        var map = core.Map;
        var applied = Sql.Quote(core.AppliedTable);
        var tagColumn = Sql.Quote(SinkCore<T>.PartitionColumn);
        var runTag = Db.Parameter("bk_run", SinkCore<T>.RunTag(runKey));
        var files = partitions.SelectMany(p => StagingFiles.Valid(StagingFiles.PartitionFolder(core.StagingRoot, runKey, p.Id))).ToList();

        // Confirm the lease with the state store before the publish; the transaction then checks the epoch again.
        await fence.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        await core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await core.OpenAsync(fence, cancellationToken).ConfigureAwait(false);
            core.Prepare(connection, cancellationToken);
            await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            using var transaction = connection.BeginTransaction();
            core.CheckFence(connection, runKey, SinkCore<T>.RunFencePartition, fence, cancellationToken);
            if (Db.Count(connection, $"SELECT count(*) FROM {applied} WHERE {tagColumn} = $bk_run", cancellationToken, runTag) == 0)
            {
                long rows = 0;
                Db.Execute(connection, $"DELETE FROM {map.QuotedTable} WHERE {slice.Predicate}", cancellationToken, slice.Parameters);
                if (files.Count > 0)
                {
                    var source = $"read_parquet({StagingFiles.SqlList(files)})";

                    // One scan checks the slice and the key's uniqueness: the table has no index to do the latter by default.
                    core.CheckStaged(connection, source, slice, $"Run {runKey}", cancellationToken);
                    rows = Db.Execute(connection, $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM {source}", cancellationToken);
                }

                Db.Execute(connection, $"INSERT INTO {applied} ({tagColumn}, row_count) VALUES ($bk_run, $bk_rows)", cancellationToken, runTag, Db.Parameter("bk_rows", rows));
                transaction.Commit();
                core.AppliedTags.Add(SinkCore<T>.RunTag(runKey));
            }

            // Otherwise published by an earlier call whose run was not marked completed before the process stopped.
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BatchKitException($"DuckDB sink of table '{map.Table}' could not publish run {runKey} ({partitions.Count} partitions): {e.Message}", e) { JobName = runKey.JobName };
        }
        finally
        {
            core.ApplyLock.Release();
        }

        // Published: the run's staging files are no longer needed.
        StagingFiles.DeleteFolder(StagingFiles.RunFolder(core.StagingRoot, runKey));
    }
}
