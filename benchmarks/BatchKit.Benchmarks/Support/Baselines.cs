using System.Threading.Channels;

namespace BatchKit.Benchmarks.Support;

/// <summary>The hand-written baselines of the executor benchmarks: a plain loop and a Channels pipeline.</summary>
public static class Baselines
{
    /// <summary>Applies <see cref="Event.Score"/> to rows [start, end) and adds the results, in one loop.</summary>
    public static double SumRange(Event[] records, int start, int end)
    {
        var sum = 0d;
        for (var i = start; i < end; i++)
        {
            sum += Event.Score(records[i]);
        }

        return sum;
    }

    /// <summary>Runs <see cref="SumRange"/> over <paramref name="partitions"/> equal row ranges in parallel.</summary>
    public static double PlainLoop(Event[] records, int partitions)
    {
        if (partitions == 1)
        {
            return SumRange(records, 0, records.Length);
        }

        var sums = new double[partitions];
        var size = (records.Length + partitions - 1) / partitions;
        Parallel.For(0, partitions, new ParallelOptions { MaxDegreeOfParallelism = partitions }, p =>
            sums[p] = SumRange(records, p * size, Math.Min(records.Length, (p + 1) * size)));
        return sums.Sum();
    }

    /// <summary>Runs one Channels pipeline per row range, all at once.</summary>
    public static async Task<double> ChannelsAsync(Event[] records, int partitions, int chunkSize)
    {
        var size = (records.Length + partitions - 1) / partitions;
        var pipelines = new Task<double>[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var start = p * size;
            var end = Math.Min(records.Length, (p + 1) * size);
            pipelines[p] = Task.Run(() => PipelineAsync(records, start, end, chunkSize));
        }

        var sums = await Task.WhenAll(pipelines).ConfigureAwait(false);
        return sums.Sum();
    }

    /// <summary>
    /// A source task copies chunks of the array into new arrays, a step task maps each chunk into a new array of
    /// results, and the caller sums them; the stages are joined by bounded channels of capacity 2 (back-pressure), as
    /// BatchKit's executor does.
    /// </summary>
    private static async Task<double> PipelineAsync(Event[] records, int start, int end, int chunkSize)
    {
        var options = new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true };
        var read = Channel.CreateBounded<(Event[] Items, int Count)>(options);
        var stepped = Channel.CreateBounded<double[]>(options);

        var source = Task.Run(async () =>
        {
            for (var i = start; i < end; i += chunkSize)
            {
                var count = Math.Min(chunkSize, end - i);
                var chunk = new Event[chunkSize];
                records.AsSpan(i, count).CopyTo(chunk);
                await read.Writer.WriteAsync((chunk, count)).ConfigureAwait(false);
            }

            read.Writer.Complete();
        });

        var step = Task.Run(async () =>
        {
            await foreach (var (items, count) in read.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                var output = new double[count];
                for (var i = 0; i < count; i++)
                {
                    output[i] = Event.Score(items[i]);
                }

                await stepped.Writer.WriteAsync(output).ConfigureAwait(false);
            }

            stepped.Writer.Complete();
        });

        var sum = 0d;
        await foreach (var items in stepped.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            foreach (var value in items)
            {
                sum += value;
            }
        }

        await Task.WhenAll(source, step).ConfigureAwait(false);
        return sum;
    }
}
