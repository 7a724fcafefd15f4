namespace BatchKit.Benchmarks.Support;

/// <summary>Builds the BatchKit job the executor, chunk and checkpoint benchmarks run.</summary>
public static class BenchJobs
{
    /// <summary>The run parameters of every benchmark run; runs are repeated with <see cref="RunOptions.Reprocess"/>.</summary>
    public static RunParameters Parameters { get; } = RunParameters.Of("benchmark", "1");

    /// <summary>Runs a completed RunKey again from scratch: what every benchmark invocation does.</summary>
    public static RunOptions Reprocess { get; } = new() { Reprocess = true };

    /// <summary>
    /// Source (array, row-range partitions) → Select(<see cref="Event.Score"/>) → <paramref name="sink"/>. The step is
    /// a lambda, as users write it (a delegate over a static method group would add a shuffle thunk to every call).
    /// </summary>
    public static JobRunner Runner(string name, Event[] records, int partitions, int commitInterval, ISink<double> sink, ICheckpointStore store, Func<Event, double>? step = null)
    {
        var job = Job.Create(name)
            .ReadFrom(new ArraySource<Event>(records))
            .PartitionBy(Partitioners.RowRanges(records.Length, (records.Length + partitions - 1) / partitions))
            .Select(step ?? (e => Event.Score(e)))
            .WriteTo(sink)
            .UseCheckpointStore(store)
            .WithParallelism(partitions)
            .WithCommitInterval(commitInterval)
            .Build();
        return new JobRunner(job);
    }

    /// <summary>Runs the job again and fails loudly unless it completed.</summary>
    public static async Task<RunResult> RunAsync(JobRunner runner)
    {
        var result = await runner.RunAsync(Parameters, Reprocess).ConfigureAwait(false);
        return result.Succeeded ? result : throw new InvalidOperationException("The benchmark run did not complete.", result.Exception);
    }

    /// <summary>Throws unless two results agree (floating-point sums in another order differ in the last bits).</summary>
    public static void Check(double actual, double expected, string what)
    {
        if (Math.Abs(actual - expected) > Math.Abs(expected) * 1e-9)
        {
            throw new InvalidOperationException($"{what} computed {actual}, expected {expected}.");
        }
    }
}
