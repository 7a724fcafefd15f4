namespace BatchKit.Cli.Tests;

public sealed record Order(long Id, string Customer, decimal Amount);
