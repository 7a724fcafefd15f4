using System.Globalization;
using System.Text;

namespace BatchKit;

/// <summary>
/// Derives stable partition ids from the names of the inputs they read, so that adding or removing an input never
/// changes the id (and the output name) of another partition.
/// </summary>
public static class PartitionIds
{
    /// <summary>Derives a partition id from the path of an input relative to its root, sanitized for use in file names.</summary>
    /// <param name="relativePath">The relative path, for example <c>2026-11-22/events-01.parquet</c>.</param>
    /// <returns>
    /// The path without the file's extension, with directory separators and every character other than ASCII letters,
    /// digits, <c>-</c>, <c>_</c> and <c>.</c> replaced by <c>_</c>: <c>2026-11-22_events-01</c>.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="relativePath"/> is empty.</exception>
    public static string FromRelativePath(string relativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        var normalized = relativePath.Replace('\\', '/').Trim('/');
        var slash = normalized.LastIndexOf('/');
        var dot = normalized.LastIndexOf('.');
        if (dot > slash + 1)
        {
            normalized = normalized[..dot];
        }

        var id = new StringBuilder(normalized.Length);
        foreach (var c in normalized)
        {
            id.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        return id.Length == 0 || id.ToString() is "." or ".." ? "_" + id : id.ToString();
    }

    /// <summary>
    /// Derives the partition ids of a set of inputs with <see cref="FromRelativePath"/>; inputs whose ids collide (ignoring
    /// case, as file systems may) get a suffix of eight hex digits of a stable hash of their relative path.
    /// </summary>
    /// <param name="relativePaths">The relative paths of the inputs, each once.</param>
    /// <returns>The ids, in the order of <paramref name="relativePaths"/>, unique ignoring case.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="relativePaths"/> is <see langword="null"/>.</exception>
    public static IReadOnlyList<string> FromRelativePaths(IReadOnlyList<string> relativePaths)
    {
        ArgumentNullException.ThrowIfNull(relativePaths);
        var ids = relativePaths.Select(FromRelativePath).ToArray();
        var collided = ids.GroupBy(i => i, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < ids.Length; i++)
        {
            if (collided.Contains(ids[i]))
            {
                var hash = (uint)StableHash.Fnv1a(relativePaths[i].Replace('\\', '/'));
                ids[i] += "-" + hash.ToString("x8", CultureInfo.InvariantCulture);
            }
        }

        return ids;
    }
}
