using System.Diagnostics;

namespace BatchKit.Samples.Tests;

/// <summary>Starts the NightlyAnalytics sample (copied next to the tests) as a child process: <c>dotnet NightlyAnalytics.dll ...</c>.</summary>
public static class NightlyProcess
{
    public static string SampleDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "NightlyAnalytics.dll");
            System.IO.File.Exists(dll).Should().BeTrue($"the sample is referenced by the test project, so {dll} is built next to the tests");
            System.IO.File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")).Should().BeTrue("the sample needs its runtimeconfig to start");
            return dll;
        }
    }

    public static Process Start(params string[] args) => Start(null, args);

    /// <summary>Starts the sample with extra environment variables (for example the AWS SDK's S3 endpoint and keys).</summary>
    public static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SampleDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => RunAsync(null, args);

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Returns the fields of the summary line (<c>nightly: key=value ...</c>) of a run's output.</summary>
    public static Dictionary<string, string> Summary(string output)
    {
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("nightly:", StringComparison.Ordinal));
        line.Should().NotBeNull($"a run prints a summary line; output was:{Environment.NewLine}{output}");
        return line!["nightly:".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.Ordinal);
    }
}
