using System.Diagnostics;

namespace BatchKit;

/// <summary>The spans and per-chunk measurements of the <c>BatchKit</c> activity source and meter.</summary>
internal static class Telemetry
{
    public const string RunSpan = "batchkit.run";
    public const string PartitionSpan = "batchkit.partition";
    public const string ChunkSpan = "batchkit.chunk.commit";

    /// <summary>Starts the span of one chunk written, committed and queued for its checkpoint; a child of the partition attempt's span.</summary>
    public static Activity? StartChunk<T>(PartitionRuntime runtime, Chunk<T> chunk)
    {
        var activity = BatchKitDiagnostics.ActivitySource.StartActivity(ChunkSpan);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(BatchKitDiagnostics.JobTag, runtime.Job.Name);
            activity.SetTag("batchkit.run.key", runtime.RunKey.Value);
            activity.SetTag("batchkit.partition.id", runtime.Partition.Id);
            activity.SetTag("batchkit.partition.attempt", runtime.Attempt);
            activity.SetTag("batchkit.lease.epoch", runtime.Lease.Epoch);
            activity.SetTag("batchkit.chunk.first_ordinal", chunk.FirstOrdinal);
            activity.SetTag("batchkit.records.read", chunk.ReadCount);
            activity.SetTag("batchkit.records.written", (long)chunk.Count);
            activity.SetTag("batchkit.records.failed", chunk.ErrorCount);
            activity.SetTag("batchkit.records.in_doubt", chunk.InDoubt);
        }

        return activity;
    }

    /// <summary>Counts a committed chunk's written and in-doubt records, and logs its skipped records (their count, never their payload).</summary>
    public static void CountChunk<T>(PartitionRuntime runtime, Chunk<T> chunk)
    {
        var job = BatchKitDiagnostics.Job(runtime.Job.Name);
        if (chunk.Count > 0)
        {
            BatchKitDiagnostics.ItemsProcessed.Add(chunk.Count, job);
        }

        if (chunk.InDoubt > 0)
        {
            BatchKitDiagnostics.ItemsInDoubt.Add(chunk.InDoubt, job);
        }

        if (chunk.ErrorCount > 0)
        {
            Log.RecordsSkipped(runtime.Logger, runtime.Job.Name, runtime.Partition.Id, chunk.ErrorCount, chunk.FirstOrdinal);
        }
    }

    /// <summary>Marks a span failed: error status, the exception event and <c>error.type</c>.</summary>
    public static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
        activity.AddException(exception);
    }

    /// <summary>Sets the record counts of a run or partition on its span.</summary>
    public static void SetCounts(Activity? activity, long read, long written, long failed, long inDoubt)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("batchkit.records.read", read);
        activity.SetTag("batchkit.records.written", written);
        activity.SetTag("batchkit.records.failed", failed);
        activity.SetTag("batchkit.records.in_doubt", inDoubt);
    }
}
