using BatchKit.Parquet;

namespace BatchKit.Parquet.Tests;

/// <summary>A temporary directory deleted after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "batchkit-parquet-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class TestSupport
{
    public static readonly RunKey Run = new("parquet-tests", RunParameters.Empty);

    public static Partition FilePartition(string path, string id = "p") => new(0, id, PartitionDescriptor.File(path));

    public static async Task<(List<T> Records, long Position)> ReadAllAsync<T>(ISource<T> source, Partition partition, long position = 0, int chunk = 777)
    {
        await using var reader = await source.OpenAsync(new SourceContext(Run, partition, position), CancellationToken.None);
        reader.Position.Should().Be(position);
        var records = new List<T>();
        var buffer = new T[chunk];
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            records.AddRange(buffer.Take(read));
        }

        return (records, reader.Position);
    }

    public static async Task<string> WriteAsync<T>(ParquetSink<T> sink, Partition partition, IReadOnlyList<T> records, int chunk = 500)
    {
        await using var writer = await sink.OpenAsync(new SinkContext(Run, partition, null), CancellationToken.None);
        for (var i = 0; i < records.Count; i += chunk)
        {
            await writer.WriteAsync(records.Skip(i).Take(chunk).ToArray(), CancellationToken.None);
            (await writer.CommitAsync(CancellationToken.None)).Should().Be(0);
        }

        await writer.CompleteAsync(CancellationToken.None);
        return sink.GetFilePath(Run, partition);
    }
}
