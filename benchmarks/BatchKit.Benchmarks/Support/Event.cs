namespace BatchKit.Benchmarks.Support;

/// <summary>A small record, the input of the executor, partitioner and checkpoint benchmarks.</summary>
public sealed record Event(long Id, long UserId, double Amount)
{
    /// <summary>Creates <paramref name="count"/> events with ids 0..count-1 and user ids cycling over 50,000 users.</summary>
    public static Event[] Generate(int count)
    {
        var events = new Event[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = new Event(i, (i * 7919L) % 50_000, (i % 1000) * 0.25);
        }

        return events;
    }

    /// <summary>The trivial step all executor benchmarks apply to each record.</summary>
    public static double Score(Event e) => (e.Amount * 1.5) + e.UserId;
}
