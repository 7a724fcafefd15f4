using System.Globalization;
using BatchKit.Parquet;
using BatchKit.S3;

namespace BatchKit.S3.Tests;

/// <summary>Reads what the object sinks published, as files: Parquet with Parquet.Net's reader, CSV as text.</summary>
public static class PublishedObjects
{
    /// <summary>Reads a Parquet object of <see cref="Event"/> rows with the Parquet source, through ranged GETs (footer first, then every row group).</summary>
    public static async Task<List<Event>> ReadParquetAsync(S3TestBucket bucket, string uri)
    {
        var source = new ParquetSource<Event>() { Opener = new S3InputOpener(bucket.Client) };
        var partition = new Partition(0, "published", PartitionDescriptor.File(uri));
        await using var reader = await source.OpenAsync(new SourceContext(new RunKey("read-published", RunParameters.Empty), partition, 0), CancellationToken.None);
        var events = new List<Event>();
        var buffer = new Event[4_096];
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            events.AddRange(buffer.Take(read));
        }

        return events;
    }

    /// <summary>Reads a CSV object of <see cref="Event"/> rows: checks the header (once, first) and parses each row.</summary>
    public static async Task<List<Event>> ReadCsvAsync(S3TestBucket bucket, string uri)
    {
        var text = (await bucket.GetTextAsync(bucket.KeyOf(uri)))!;
        text.Should().EndWith("\r\n");
        var lines = text[..^2].Split("\r\n");
        lines[0].Should().Be("Id,Name,Value");
        lines.Skip(1).Should().NotContain("Id,Name,Value");
        return lines.Skip(1).Select(line =>
        {
            var fields = line.Split(',');
            fields.Should().HaveCount(3, "row '{0}' has three fields", line);
            return new Event(long.Parse(fields[0], CultureInfo.InvariantCulture), fields[1], int.Parse(fields[2], CultureInfo.InvariantCulture));
        }).ToList();
    }
}
