namespace BatchKit.S3.Tests;

public sealed record Event(long Id, string Name, int Value);

public sealed class CsvEvent
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    public int Value { get; set; }
}
