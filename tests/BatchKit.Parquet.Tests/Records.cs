namespace BatchKit.Parquet.Tests;

public sealed record AllTypes
{
    public long Id { get; init; }
    public int Count { get; init; }
    public double Amount { get; init; }
    public float Ratio { get; init; }
    public bool Flag { get; init; }
    public string? Name { get; init; }
    public decimal Price { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateOnly Day { get; init; }
    public long? MaybeId { get; init; }
    public int? MaybeCount { get; init; }
    public double? MaybeAmount { get; init; }
    public float? MaybeRatio { get; init; }
    public bool? MaybeFlag { get; init; }
    public decimal? MaybePrice { get; init; }
    public DateTime? MaybeCreatedAt { get; init; }
    public DateTimeOffset? MaybeUpdatedAt { get; init; }
    public DateOnly? MaybeDay { get; init; }

    public static AllTypes Make(int i)
    {
        var at = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i * 37.5).AddTicks(i % 10 * 10);
        var nulls = i % 3 == 0;
        return new AllTypes
        {
            Id = i * 1_000_000_007L,
            Count = -i,
            Amount = i * 0.25,
            Ratio = i / 8f,
            Flag = i % 2 == 0,
            Name = i % 5 == 0 ? null : "name-" + (i % 7),
            Price = i * 1.01m,
            CreatedAt = at,
            UpdatedAt = new DateTimeOffset(at),
            Day = DateOnly.FromDateTime(at),
            MaybeId = nulls ? null : i,
            MaybeCount = nulls ? null : i,
            MaybeAmount = nulls ? null : i + 0.5,
            MaybeRatio = nulls ? null : i + 0.5f,
            MaybeFlag = nulls ? null : i % 4 == 0,
            MaybePrice = nulls ? null : i / 4m,
            MaybeCreatedAt = nulls ? null : at.AddDays(1),
            MaybeUpdatedAt = nulls ? null : new DateTimeOffset(at.AddDays(2)),
            MaybeDay = nulls ? null : DateOnly.FromDateTime(at).AddDays(3),
        };
    }
}

public sealed class Row
{
    public long Id { get; set; }
    public string? Name { get; set; }
    public double Amount { get; set; }
}

/// <summary>A positional record: built through its constructor.</summary>
public sealed record Event(long UserId, string? Category, DateTime CreatedAt);

/// <summary>The record of the contract suites: the two required columns id and origin.</summary>
public sealed record ContractRow(long Id, string Origin);
