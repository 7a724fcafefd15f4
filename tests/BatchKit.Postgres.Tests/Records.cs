namespace BatchKit.Postgres.Tests;

/// <summary>A record the sink and source tests write and read.</summary>
public sealed record Order(long Id, int Bucket, string Customer, decimal Amount, DateTimeOffset PlacedAt, string? Note);
