using System.Diagnostics;

namespace BatchKit.BillingRun.Tests;

/// <summary>Starts a dll copied next to the tests (the BillingRun sample, the batchkit tool) as a child process: <c>dotnet X.dll ...</c>.</summary>
public static class ChildProcess
{
    public const string Billing = "BillingRun.dll";

    public const string Cli = "BatchKit.Cli.dll";

    public static Process Start(string dll, IEnumerable<string> args)
    {
        var path = Path.Combine(AppContext.BaseDirectory, dll);
        File.Exists(path).Should().BeTrue($"{dll} is referenced by the test project, so {path} is built next to the tests");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(path);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }

    public static async Task<Run> RunAsync(string dll, IEnumerable<string> args)
    {
        using var process = Start(dll, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }

    /// <summary>The outcome of a finished child process.</summary>
    public sealed record Run(int ExitCode, string Output, string Error)
    {
        public IReadOnlyList<string> Lines(string prefix) =>
            Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();

        /// <summary>The value of <c>name=value</c> in a line, e.g. the <c>account</c> of an <c>in doubt:</c> line.</summary>
        public static string Field(string line, string name) =>
            line.Split(' ').Single(f => f.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];

        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
    }
}
