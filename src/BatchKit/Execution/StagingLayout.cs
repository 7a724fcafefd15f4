using System.Globalization;
using System.Text.Json;

namespace BatchKit;

/// <summary>Names the staging files of a run: one folder per extract partition, holding one file with the records of every target partition (<see cref="StagingFile"/>).</summary>
internal static class StagingLayout
{
    public const string ExtractPrefix = "extract-";

    public static string RunDirectory(string root, RunKey runKey) => Path.Combine(root, runKey.JobName + "-" + runKey.ShortValue);

    public static string File(string root, RunKey runKey, string extractId) =>
        Path.Combine(RunDirectory(root, runKey), extractId, "staged.bin");

    /// <summary>The staging root when <see cref="JobOptions.StagingDirectory"/> is not set: beside the state file, or the system temp folder for other stores.</summary>
    public static string DefaultRoot(ICheckpointStore? store) => store is SqliteCheckpointStore sqlite
        ? sqlite.Path + ".staging"
        : Path.Combine(Path.GetTempPath(), "batchkit-staging");

    /// <summary>
    /// Counts the staging files an extract partition published that are still there: 1 or 0. Files of another layout
    /// (an earlier version's one file per target) do not count, so such a partition is extracted again.
    /// </summary>
    public static int CountFiles(string root, RunKey runKey, string extractId) => System.IO.File.Exists(File(root, runKey, extractId)) ? 1 : 0;

    public static bool IsExtract(Partition partition) => partition.Id.StartsWith(ExtractPrefix, StringComparison.Ordinal);

    public static Partition InputOf(Partition extract) => extract with { Id = extract.Id[ExtractPrefix.Length..] };
}
