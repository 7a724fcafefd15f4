using System.Text.Json;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.LateData;

/// <summary>A daily input laid out as <c>dt=YYYY-MM-DD/*.jsonl</c>: one partition per file of the run's date folder.</summary>
public sealed class DayFolderPartitioner(string root) : IPartitioner
{
    public string Definition => $"jsonl files in '{root}/dt=<date>'";

    public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken) =>
        Partitioners.Files(Path.Combine(root, "dt=" + context.Parameters["date"]), "*.jsonl").PlanAsync(context, cancellationToken);
}

/// <summary>Writes and changes the files of a day folder, and reads a run's output record for record.</summary>
public static class DayFolders
{
    public static string Folder(string root, string date) => Path.Combine(root, "dt=" + date);

    /// <summary>Writes (or appends to) a file of a day folder with the items <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1.</summary>
    public static void Write(string root, string date, string file, long first, int count, bool append = false)
    {
        var folder = Folder(root, date);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, file);
        var before = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
        using (var writer = new StreamWriter(path, append))
        {
            for (var id = first; id < first + count; id++)
            {
                writer.WriteLine(JsonSerializer.Serialize(new Item(id, "item-" + id, (int)(id % 97)), Items.Json));
            }
        }

        // Coarse file systems keep the same modification time within a tick: the size changes anyway when appending.
        if (File.GetLastWriteTimeUtc(path) == before)
        {
            File.SetLastWriteTimeUtc(path, before.AddSeconds(1));
        }
    }

    /// <summary>Reads every output line of a run (one file per partition under <c>date=&lt;date&gt;</c>), sorted by id.</summary>
    public static List<Doubled> Output(string output, string date)
    {
        var folder = Path.Combine(output, "date=" + date);
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.jsonl").SelectMany(File.ReadLines).Select(l => JsonSerializer.Deserialize<Doubled>(l, Items.Json)!).OrderBy(d => d.Id).ToList()
            : [];
    }

    /// <summary>Reads each output file of a run's date folder: file name → its lines, in order.</summary>
    public static Dictionary<string, string[]> Files(string output, string date)
    {
        var folder = Path.Combine(output, "date=" + date);
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllLines(f), StringComparer.Ordinal)
            : [];
    }
}
