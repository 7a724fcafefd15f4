using System.Diagnostics;
using System.Globalization;

namespace NightlyCompare;

/// <summary>What one variant's child process did: its wall time measured here, its peak memory as it reported it, its output.</summary>
internal sealed record ChildRun(char Variant, int Round, TimeSpan Wall, double PeakRssMb, int ExitCode, string Output, string Errors)
{
    /// <summary>Gets the child's summary line (the one starting with <c>variant</c>), or an empty string.</summary>
    public string Summary => Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("variant ", StringComparison.Ordinal)) ?? string.Empty;
}

/// <summary>Starts this program again as <c>dotnet &lt;this dll&gt; variant X ...</c> and times it from start to exit.</summary>
internal static class ChildProcess
{
    public static async Task<ChildRun> RunAsync(char variant, int round, string input, string output, int parallelism, string job, CancellationToken cancellationToken)
    {
        var (host, viaDotnet) = Host();
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (viaDotnet)
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (var arg in new[] { "variant", variant.ToString(), "--input", input, "--out", output, "--parallelism", parallelism.ToString(CultureInfo.InvariantCulture), "--job", job })
        {
            start.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start '{start.FileName}'.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        var wall = clock.Elapsed;
        var text = await stdout;
        var errors = await stderr;
        var last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
        var rss = last.StartsWith(VariantCommand.PeakRssPrefix, StringComparison.Ordinal)
            && double.TryParse(last.AsSpan(VariantCommand.PeakRssPrefix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var mb)
            ? mb
            : double.NaN;
        return new ChildRun(variant, round, wall, rss, process.ExitCode, text, errors);
    }

    /// <summary>
    /// Finds how to start this program again: the dotnet host (this process when it is one, else the SDK's
    /// <c>DOTNET_HOST_PATH</c>, else <c>dotnet</c> on the PATH) with this dll, or this program's own launcher when there is no host.
    /// </summary>
    private static (string Host, bool ViaDotnet) Host()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return (self, true);
        }

        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return (host, true);
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "dotnet"))
            .FirstOrDefault(File.Exists);
        return onPath is not null ? (onPath, true) : self is not null ? (self, false) : ("dotnet", true);
    }
}
