using System.Text;

namespace BatchKit.S3;

/// <summary>
/// Builds the run-namespaced keys of object sinks, <c>prefix/&lt;key&gt;=&lt;value&gt;/…/&lt;partition id&gt;&lt;extension&gt;</c>,
/// the object-store form of <see cref="OutputPaths"/> (always <c>/</c>-separated).
/// </summary>
internal static class S3OutputKeys
{
    /// <summary>Gets the folder of a run's output: <c>prefix/k1=v1/k2=v2</c>, without a trailing <c>/</c>.</summary>
    public static S3Uri RunFolder(S3Uri root, RunKey runKey)
    {
        var key = new StringBuilder(root.Key.TrimEnd('/'));
        foreach (var (name, value) in runKey.Parameters)
        {
            Append(key, Segment(name) + "=" + Segment(value));
        }

        return root with { Key = key.ToString() };
    }

    private static void Append(StringBuilder key, string segment)
    {
        if (key.Length > 0)
        {
            key.Append('/');
        }

        key.Append(segment);
    }

    private static string Segment(string text)
    {
        if (text.Length == 0)
        {
            return "_";
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is '/' or '\\' or '*' or '?' or '"' or '<' or '>' or '|' or '#' or '%' or '{' or '}' || char.IsControl(c) ? '_' : c);
        }

        var segment = builder.ToString();
        return segment is "." or ".." ? segment.Replace('.', '_') : segment;
    }
}
