using System.Globalization;
using System.Security.Cryptography;

namespace BatchKit;

/// <summary>
/// Builds and compares the input identities recorded in a frozen plan (<see cref="Partition.InputIdentity"/>): what a
/// partition reads, so that a resumed run notices an input that changed, vanished or appeared.
/// </summary>
/// <remarks>
/// A file's identity is its size, its last modification time and a cheap content identity: a SHA-256 of its first and
/// last 64 KiB (which holds a Parquet file's footer). The text is <c>size=…;modified=…;content=…;path=…</c>.
/// </remarks>
public static class InputIdentity
{
    private const int EdgeBytes = 64 * 1024;

    /// <summary>Computes the identity of a file.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The identity.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static string OfFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        var length = stream.Length;
        var modified = File.GetLastWriteTimeUtc(full);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[EdgeBytes];
        hash.AppendData(buffer, 0, stream.ReadAtLeast(buffer, (int)Math.Min(EdgeBytes, length), throwOnEndOfStream: false));
        if (length > EdgeBytes)
        {
            stream.Position = Math.Max(EdgeBytes, length - EdgeBytes);
            hash.AppendData(buffer, 0, stream.ReadAtLeast(buffer, (int)(length - stream.Position), throwOnEndOfStream: false));
        }

        var content = Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
        return string.Create(CultureInfo.InvariantCulture, $"size={length};modified={modified:yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'};content={content};path={full}");
    }

    /// <summary>Describes how an input changed between two identities.</summary>
    /// <param name="expected">The identity recorded in the frozen plan.</param>
    /// <param name="actual">The identity found now.</param>
    /// <returns><see langword="null"/> when they are the same; otherwise what changed, for example <c>size 1200 → 1350 bytes</c>.</returns>
    /// <exception cref="ArgumentNullException">An identity is <see langword="null"/>.</exception>
    public static string? DescribeChange(string expected, string actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return null;
        }

        var before = Parse(expected);
        var after = Parse(actual);
        var changes = new List<string>();
        foreach (var (key, old) in before)
        {
            var now = after.GetValueOrDefault(key);
            if (string.Equals(old, now, StringComparison.Ordinal))
            {
                continue;
            }

            changes.Add(key switch
            {
                "size" => $"size {old} → {now} bytes",
                "modified" => $"modified {old} → {now}",
                "content" => "content changed",
                _ => $"{key} '{old}' → '{now}'",
            });
        }

        return changes.Count == 0 ? $"identity '{expected}' → '{actual}'" : string.Join(", ", changes);
    }

    /// <summary>Gets the path or key an identity names, if it names one.</summary>
    internal static string? NameOf(string identity) => Parse(identity).GetValueOrDefault("path");

    private static Dictionary<string, string> Parse(string identity)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = identity.AsSpan();
        while (!rest.IsEmpty)
        {
            var equals = rest.IndexOf('=');
            if (equals < 0)
            {
                break;
            }

            var key = rest[..equals].ToString();
            rest = rest[(equals + 1)..];
            var end = key == "path" ? -1 : rest.IndexOf(';'); // the path comes last and may hold ';'
            parts[key] = (end < 0 ? rest : rest[..end]).ToString();
            rest = end < 0 ? [] : rest[(end + 1)..];
        }

        return parts;
    }
}
