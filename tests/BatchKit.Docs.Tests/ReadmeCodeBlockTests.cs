using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace BatchKit.Docs.Tests;

/// <summary>
/// Compiles every <c>```csharp</c> block of every README in the repository as a small program of its own (top-level
/// statements, with the usings below implied), against the packages this project references, so an example cannot name
/// an API that does not exist. A block that is not meant to compile on its own is marked <c>```csharp ignore</c>.
/// </summary>
public sealed partial class ReadmeCodeBlockTests
{
    private static readonly string[] ImpliedUsings =
    [
        "System", "System.Collections.Generic", "System.Globalization", "System.IO", "System.Linq", "System.Threading",
        "System.Threading.Tasks", "BatchKit", "BatchKit.Csv", "BatchKit.Parquet", "BatchKit.DuckDb", "BatchKit.Hosting", "BatchKit.Postgres", "BatchKit.S3", "BatchKit.Dashboard",
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (var readme in Readmes())
        {
            var count = CodeBlock().Count(File.ReadAllText(Path.Combine(RepositoryRoot(), readme)));
            for (var i = 0; i < count; i++)
            {
                data.Add(readme, i);
            }
        }

        return data;
    }

    [Fact]
    public void Readmes_HaveCSharpExamples()
    {
        // The theory below must not pass vacuously: the root README and the core package's README have examples.
        Blocks().Select(row => (string)row[0]).Should().Contain(["README.md", Path.Combine("src", "BatchKit", "README.md")]);
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void CodeBlock_Compiles(string readme, int index)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), readme));
        var match = CodeBlock().Matches(text)[index];
        var line = text[..match.Index].Count(c => c == '\n') + 2;
        var usings = string.Concat(ImpliedUsings.Select(u => $"global using {u};\n"));
        var compilation = CSharpCompilation.Create(
            "ReadmeExample",
            [
                CSharpSyntaxTree.ParseText(usings, path: "ImpliedUsings.cs"),
                CSharpSyntaxTree.ParseText(match.Groups["code"].Value, new CSharpParseOptions(LanguageVersion.Latest), path: $"{readme}:{line}"),
            ],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        using var output = new MemoryStream();
        var result = compilation.Emit(output);

        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{readme} line {line + d.Location.GetLineSpan().StartLinePosition.Line}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
        errors.Should().BeEmpty($"the C# block at {readme} line {line} must compile as shown");
    }

    private static IEnumerable<string> Readmes()
    {
        var root = RepositoryRoot();
        return Directory.EnumerateFiles(root, "README.md", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p))
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules" || part.StartsWith('.')))
            .Order(StringComparer.Ordinal);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var local = Directory.GetFiles(AppContext.BaseDirectory, "*.dll");
        return [.. platform.Concat(local)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First())
            .Where(IsManagedAssembly)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BatchKit.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("BatchKit.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^```csharp[ \t]*\n(?<code>.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CodeBlock();
}
