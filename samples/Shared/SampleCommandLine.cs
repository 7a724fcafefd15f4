using System.CommandLine;

namespace BatchKit.Samples;

/// <summary>
/// The <c>--name value</c> options of a sample, on System.CommandLine (linked into the samples that take options):
/// every option is declared with its description, so <c>--help</c> lists them; unknown and valueless options
/// are usage errors; a repeated one takes its last value. Values are handed over as text, and the sample checks them with its own messages.
/// </summary>
internal static class SampleCommandLine
{
    /// <summary>Parses the arguments and applies each given option, in declaration order.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="description">What the sample does, the first line of the help.</param>
    /// <param name="options">Each option's name (with its <c>--</c>) and description.</param>
    /// <param name="apply">Called with the name and value of each option given.</param>
    /// <returns><see langword="false"/> when the help was asked for (and written): the sample then exits with 0.</returns>
    /// <exception cref="ArgumentException">An option is unknown or has no value; or <paramref name="apply"/> rejected a value.</exception>
    public static bool TryParse(string[] args, string description, IReadOnlyList<(string Name, string Description)> options, Action<string, string> apply)
    {
        var root = new RootCommand(description);
        // An option may be given again: the last value wins, as a later argument overrides an earlier one.
        var declared = options.Select(o => new Option<string[]>(o.Name)
        {
            Description = o.Description,
            HelpName = "value",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        }).ToList();
        foreach (var option in declared)
        {
            root.Options.Add(option);
        }

        var run = false;
        root.SetAction(_ => run = true);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            throw new ArgumentException(Describe(parsed, options));
        }

        parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        if (!run)
        {
            return false;
        }

        foreach (var option in declared.Where(o => parsed.GetResult(o) is not null))
        {
            apply(option.Name, parsed.GetValue(option) is [.., var last] ? last : string.Empty);
        }

        return true;
    }

    private static string Describe(ParseResult parsed, IReadOnlyList<(string Name, string Description)> options)
    {
        var expected = string.Join(", ", options.Select(o => o.Name).SkipLast(1)) + " or " + options[^1].Name;
        if (parsed.UnmatchedTokens.Count > 0 && parsed.UnmatchedTokens[0] is { } unknown)
        {
            return $"unknown option {unknown}; expected {expected}";
        }

        var valueless = parsed.Tokens.Select(t => t.Value).FirstOrDefault(name =>
            options.Any(o => o.Name == name) && parsed.Errors.Any(e => e.Message.Contains(name, StringComparison.Ordinal)));
        return valueless is not null
            ? $"option {valueless} needs a value"
            : string.Join(" ", parsed.Errors.Select(e => e.Message));
    }
}
