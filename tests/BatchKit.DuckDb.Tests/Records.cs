namespace BatchKit.DuckDb.Tests;

public sealed record DailyAggregate(DateOnly EventDate, long UserId, string EventType, int Hour, long EventCount, double Amount);

public sealed class AllTypes
{
    public long Id { get; set; }

    public int Count { get; set; }

    public short Small { get; set; }

    public double Ratio { get; set; }

    public float Weight { get; set; }

    public decimal Price { get; set; }

    public string Text { get; set; } = string.Empty;

    public string? OptionalText { get; set; }

    public bool Flag { get; set; }

    public DateTime Timestamp { get; set; }

    public DateOnly Date { get; set; }

    public Guid Uuid { get; set; }

    public long? OptionalLong { get; set; }

    public DateOnly? OptionalDate { get; set; }
}

public sealed record Event(long Id, long Seq, string Name);

public sealed class Unsupported
{
    public long Id { get; set; }

    public Uri? Link { get; set; }
}
