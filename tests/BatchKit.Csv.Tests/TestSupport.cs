using System.Text;
using BatchKit.Csv;

namespace BatchKit.Csv.Tests;

/// <summary>A temporary directory removed at dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "batchkit-csv-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string text, bool bom = false)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(bom));
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Records read from one partition, with the bad records the source reported.</summary>
public sealed record ReadResult<T>(List<T> Records, List<ErrorRecordDraft> Bad, long Position);

public static class SourceDriver
{
    public static readonly RunKey Run = new("csv-tests", RunParameters.Empty);

    public static Partition FilePartition(string path) => new(0, System.IO.Path.GetFileNameWithoutExtension(path), PartitionDescriptor.File(path));

    /// <summary>Reads a file from a position to its end, in chunks of <paramref name="chunk"/> records.</summary>
    public static async Task<ReadResult<T>> ReadAllAsync<T>(ISource<T> source, string path, long position = 0, int chunk = 64, int? maxRecords = null)
    {
        var bad = new List<ErrorRecordDraft>();
        var records = new List<T>();
        var context = new SourceContext(Run, FilePartition(path), position, bad.Add);
        await using var reader = await source.OpenAsync(context, CancellationToken.None);
        var buffer = new T[chunk];
        while (maxRecords is null || records.Count < maxRecords)
        {
            var n = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(chunk, (maxRecords ?? int.MaxValue) - records.Count)), CancellationToken.None);
            if (n == 0)
            {
                break;
            }

            records.AddRange(buffer.Take(n));
        }

        return new ReadResult<T>(records, bad, reader.Position);
    }
}

public sealed record Row(int Id, string Name, decimal Amount);

public sealed class Sample
{
    public string Name { get; set; } = "";

    public int Count { get; set; }

    public long Big { get; set; }

    public double Ratio { get; set; }

    public decimal Amount { get; set; }

    public DateTime When { get; set; }

    public bool Flag { get; set; }

    public int? Maybe { get; set; }

    public string? Note { get; set; }

    public DayOfWeek Day { get; set; }
}

public sealed class Dated
{
    public int Id { get; set; }

    public DateTime When { get; set; }
}
