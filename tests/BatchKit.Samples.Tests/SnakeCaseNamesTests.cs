using System.Reflection;
using System.Text;
using System.Text.Json;

namespace BatchKit.Samples.Tests;

/// <summary>
/// The adapters name snake_case columns with <see cref="JsonNamingPolicy.SnakeCaseLower"/>; it must give every property
/// of the repository's record types the name the adapters' earlier hand-written conversion gave it, so no existing
/// table, file or header changes.
/// </summary>
public sealed class SnakeCaseNamesTests
{
    [Fact]
    public void SnakeCaseLower_EveryPropertyOfTheRepositoryTypes_GivesTheEarlierNames()
    {
        var names = RepositoryAssemblies()
            .SelectMany(LoadableTypes)
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(p => p.Name)
            .Where(n => !n.Contains('.', StringComparison.Ordinal))
            .Concat(["EventDate", "HTTPStatus", "UserId", "P95Ms", "Item2Count", "IOError", "ABC", "A", "Utf8Bytes", "S3Key", "ZipCode", "OriginState", "CostTotal"])
            .Distinct(StringComparer.Ordinal)
            .ToList();

        names.Should().HaveCountGreaterThan(300, "the repository's assemblies were loaded");
        names.Where(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n) != EarlierSnakeCase(n))
            .Select(n => $"{n}: {JsonNamingPolicy.SnakeCaseLower.ConvertName(n)} vs {EarlierSnakeCase(n)}")
            .Should().BeEmpty();
    }

    private static IEnumerable<Assembly> RepositoryAssemblies() =>
        Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
            .Where(f => Path.GetFileName(f).StartsWith("BatchKit", StringComparison.Ordinal) || Path.GetFileName(f) == "NightlyAnalytics.dll")
            .Select(Assembly.LoadFrom);

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    /// <summary>The conversion the adapters used before <see cref="JsonNamingPolicy.SnakeCaseLower"/>, kept as the reference.</summary>
    private static string EarlierSnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var acronymEnds = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((previousIsLowerOrDigit || acronymEnds) && text.Length > 0 && text[^1] != '_')
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
