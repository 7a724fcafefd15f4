using System.Globalization;

namespace NightlyAnalytics;

/// <summary>A wrong command line; the message says which option and what was expected.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A small parser for <c>--name value</c> options.</summary>
public static class CommandLine
{
    public static Dictionary<string, string> Parse(ReadOnlySpan<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"expected an option such as --events, found '{arg}'.");
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
                throw new UsageException($"--{name} expects a value.");
            }

            if (!options.TryAdd(name, value))
            {
                throw new UsageException($"--{name} is given twice.");
            }
        }

        return options;
    }

    public static void AllowOnly(Dictionary<string, string> options, params string[] names)
    {
        foreach (var name in options.Keys.Where(k => !names.Contains(k)))
        {
            throw new UsageException($"unknown option --{name}; expected one of {string.Join(", ", names.Select(n => "--" + n))}.");
        }
    }

    public static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : throw new UsageException($"--{name} is required.");

    public static long Count(Dictionary<string, string> options, string name, long? fallback)
    {
        if (!options.TryGetValue(name, out var text))
        {
            return fallback ?? throw new UsageException($"--{name} is required.");
        }

        var normalized = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var multiplier = 1L;
        if (normalized.EndsWith('M') || normalized.EndsWith('m'))
        {
            multiplier = 1_000_000;
            normalized = normalized[..^1];
        }
        else if (normalized.EndsWith('k') || normalized.EndsWith('K'))
        {
            multiplier = 1_000;
            normalized = normalized[..^1];
        }

        return long.TryParse(normalized, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value * multiplier
            : throw new UsageException($"--{name} expects an integer, found '{text}'.");
    }
}
