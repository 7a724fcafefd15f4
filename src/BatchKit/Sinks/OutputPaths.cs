using System.Text;

namespace BatchKit;

/// <summary>
/// Builds the run-namespaced output paths of file and object sinks: <c>&lt;root&gt;/&lt;key&gt;=&lt;value&gt;/…</c>, one
/// folder level per run parameter in key order (the Hive layout that DuckDB, Spark and Athena read as columns), so runs
/// for different parameters never overwrite each other.
/// </summary>
public static class OutputPaths
{
    /// <summary>Gets the folder of a run's output under a root folder.</summary>
    /// <param name="root">The sink's output root.</param>
    /// <param name="runKey">The run.</param>
    /// <returns><paramref name="root"/> itself when the run has no parameters; otherwise <c>root/k1=v1/k2=v2</c>.</returns>
    public static string RunDirectory(string root, RunKey runKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(runKey);
        var path = root;
        foreach (var (key, value) in runKey.Parameters)
        {
            path = Path.Combine(path, Segment(key) + "=" + Segment(value));
        }

        return path;
    }

    /// <summary>Gets the path of one partition's output file of a run.</summary>
    /// <param name="root">The sink's output root.</param>
    /// <param name="runKey">The run.</param>
    /// <param name="partitionId">The partition id.</param>
    /// <param name="extension">The file extension, with its dot (for example <c>.jsonl</c>).</param>
    /// <returns>The path.</returns>
    public static string PartitionFile(string root, RunKey runKey, string partitionId, string extension)
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionId);
        return Path.Combine(RunDirectory(root, runKey), partitionId + extension);
    }

    /// <summary>Makes a parameter key or value safe as one folder name: path separators and control characters become <c>_</c>.</summary>
    private static string Segment(string text)
    {
        if (text.Length == 0)
        {
            return "_";
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' || char.IsControl(c) ? '_' : c);
        }

        var segment = builder.ToString();
        return segment is "." or ".." ? segment.Replace('.', '_') : segment;
    }
}
