using System.Diagnostics;

namespace BatchKit.ConsoleProgressTests;

/// <summary>BatchKit.Console.TestHost: a small real job run with <c>RunWithConsoleProgressAsync</c> in a process of its own.</summary>
internal static class ConsoleHost
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "BatchKit.Console.TestHost.dll");

    /// <summary>Runs the host with its output redirected (so it writes plain progress lines) and returns its exit code and lines.</summary>
    public static async Task<(int ExitCode, string[] Lines, string Error)> RunRedirectedAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), await error);
    }
}
