namespace NightlyCompare;

/// <summary>Parses the comparison app's <c>--name value</c> options (its parent and variant processes pass them to each other).</summary>
internal static class OptionParser
{
    public static Dictionary<string, string> Parse(ReadOnlySpan<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new NightlyAnalytics.UsageException($"expected an option such as --events, found '{arg}'.");
            }

            var name = arg[2..];
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            string value;
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length)
            {
                value = args[++i];
            }
            else
            {
                throw new NightlyAnalytics.UsageException($"--{name} expects a value.");
            }

            if (!options.TryAdd(name, value))
            {
                throw new NightlyAnalytics.UsageException($"--{name} is given twice.");
            }
        }

        return options;
    }

    public static void AllowOnly(Dictionary<string, string> options, params string[] names)
    {
        foreach (var name in options.Keys.Where(k => !names.Contains(k)))
        {
            throw new NightlyAnalytics.UsageException($"unknown option --{name}; expected one of {string.Join(", ", names.Select(n => "--" + n))}.");
        }
    }
}
