using System.Diagnostics;

namespace BatchKit.Tests.Support;

/// <summary>Starts BatchKit.TestHost (a job in a separate process) for kill, reopen and concurrency tests.</summary>
public static class TestHostProcess
{
    private static string HostDll => Path.Combine(AppContext.BaseDirectory, "BatchKit.TestHost.dll");

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(HostDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_TieredPGO"] = "0";
        return Process.Start(info)!;
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
