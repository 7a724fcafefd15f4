using System.Globalization;

namespace BatchKit;

/// <summary>Fails the run when the share of rejected records passes <see cref="JobOptions.MaxErrorRate"/>.</summary>
internal static class ErrorRate
{
    public static void ThrowIfExceeded(PartitionRuntime runtime, bool final) =>
        ThrowIfExceeded(runtime.Job, runtime.Counters.RecordsRead, runtime.Counters.Errors, final);

    public static void ThrowIfExceeded(Job job, long read, long errors, bool final)
    {
        var options = job.Options;
        if (errors == 0 || read == 0 || (!final && read < options.ErrorRateMinimumRecords))
        {
            return;
        }

        var rate = (double)errors / read;
        if (rate > options.MaxErrorRate)
        {
            throw new ErrorRateExceededException(string.Create(
                CultureInfo.InvariantCulture,
                $"The job '{job.Name}' rejected {errors} of {read} records read ({rate * 100:F2}%), above its error-rate threshold of {options.MaxErrorRate * 100:F2}%. The rejected records are in the error store; fix the input or the rules and run again."))
            {
                JobName = job.Name,
                IsTransient = false,
            };
        }
    }
}
