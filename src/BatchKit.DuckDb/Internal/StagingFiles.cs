using System.Globalization;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// The Parquet staging files of the DuckDB sink, beside the warehouse and outside it:
/// <c>&lt;root&gt;/&lt;run&gt;/&lt;partition&gt;/&lt;first&gt;-&lt;count&gt;.e&lt;epoch&gt;.parquet</c>, one file per commit,
/// holding the records numbered <c>first</c> to <c>first + count - 1</c>, written by the attempt of that epoch.
/// </summary>
internal static class StagingFiles
{
    private const string Extension = ".parquet";

    /// <summary>Returns the staging folder of a sink: the option, or <c>&lt;database file&gt;.bk-staging/&lt;table&gt;</c>.</summary>
    public static string Root(string connectionString, string? configured, string table)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var source = (builder.TryGetValue("Data Source", out var value) || builder.TryGetValue("DataSource", out value)) ? value?.ToString() : null;
        var baseDir = string.IsNullOrWhiteSpace(source) || source.StartsWith(":memory:", StringComparison.Ordinal)
            ? Path.Combine(Path.GetTempPath(), "batchkit-duckdb-staging")
            : Path.GetFullPath(source) + ".bk-staging";
        return Path.Combine(baseDir, table);
    }

    public static string RunFolder(string root, RunKey runKey) => Path.Combine(root, runKey.ShortValue);

    public static string PartitionFolder(string root, RunKey runKey, string partitionId) =>
        Path.Combine(RunFolder(root, runKey), Uri.EscapeDataString(partitionId));

    public static string FileName(long first, long count, long epoch) =>
        string.Create(CultureInfo.InvariantCulture, $"{first:D12}-{count}.e{epoch}{Extension}");

    /// <summary>Lists a partition's complete staging files (temporary files of an unfinished commit are ignored).</summary>
    public static List<StagedFile> List(string folder)
    {
        var files = new List<StagedFile>();
        if (!Directory.Exists(folder))
        {
            return files;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*" + Extension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            var dot = name.IndexOf(".e", StringComparison.Ordinal);
            if (dash > 0 && dot > dash
                && long.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                && long.TryParse(name[(dash + 1)..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                && long.TryParse(name[(dot + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                files.Add(new StagedFile(path, first, count, epoch));
            }
        }

        files.Sort((a, b) => a.First.CompareTo(b.First));
        return files;
    }

    /// <summary>
    /// Returns the files that hold a partition's staged rows: those of the latest epoch, and those of earlier epochs
    /// numbered before the latest epoch's first file (the rows it resumed after). A file an earlier epoch wrote after
    /// the takeover (a paused process that woke up) starts at or after that point and is left out.
    /// </summary>
    public static List<StagedFile> Valid(string folder)
    {
        var files = List(folder);
        if (files.Count == 0)
        {
            return files;
        }

        var latest = files.Max(f => f.Epoch);
        var resumedAt = files.Where(f => f.Epoch == latest).Min(f => f.First);
        return files.Where(f => f.Epoch == latest || f.First < resumedAt).ToList();
    }

    /// <summary>Returns a DuckDB list literal of file paths, for <c>read_parquet</c>.</summary>
    public static string SqlList(IEnumerable<StagedFile> files) =>
        "[" + string.Join(", ", files.Select(f => "'" + f.Path.Replace("'", "''", StringComparison.Ordinal) + "'")) + "]";

    public static void DeleteFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>One staging file: its path, the number of its first record, its record count and the epoch that wrote it.</summary>
internal sealed record StagedFile(string Path, long First, long Count, long Epoch);
