using System.Globalization;

namespace BatchKit;

/// <summary>Fails the run when the share of rejected records passes <see cref="JobOptions.MaxErrorRate"/>.</summary>
internal static class ErrorRate
{
    public static void ThrowIfExceeded(PartitionRuntime runtime, bool final) =>
        ThrowIfExceeded(runtime.Job, runtime.Counters.RecordsRead, runtime.Counters.Errors, final);

    /// <summary>Throws when <paramref name="errors"/> of <paramref name="read"/> records exceed the job's rate.</summary>
    /// <param name="job">The job.</param>
    /// <param name="read">The records known to be read, bad ones included; the minimum sample counts these.</param>
    /// <param name="errors">The rejected records.</param>
    /// <param name="final">Whether the run is complete (the minimum sample no longer applies).</param>
    /// <param name="unseen">Records that may have been read but are not counted yet; they lower the rate checked, so it is never above the real one.</param>
    public static void ThrowIfExceeded(Job job, long read, long errors, bool final, long unseen = 0)
    {
        var options = job.Options;
        if (errors == 0 || read == 0 || (!final && read < options.ErrorRateMinimumRecords))
        {
            return;
        }

        var rate = (double)errors / (read + unseen);
        if (rate > options.MaxErrorRate)
        {
            throw new ErrorRateExceededException(string.Create(
                CultureInfo.InvariantCulture,
                $"The job '{job.Name}' rejected {errors} of {read + unseen} records read ({rate * 100:F2}%), above its error-rate threshold of {options.MaxErrorRate * 100:F2}%. The rejected records are in the error store; fix the input or the rules and run again."))
            {
                JobName = job.Name,
                IsTransient = false,
            };
        }
    }
}
