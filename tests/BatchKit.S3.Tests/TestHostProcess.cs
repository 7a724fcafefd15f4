using System.Diagnostics;
using BatchKit.Testing.Services;

namespace BatchKit.S3.Tests;

/// <summary>Starts BatchKit.TestHost (built next to the tests) with the S3 client settings in the standard AWS environment variables only.</summary>
internal static class TestHostProcess
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

        // The host builds its S3 client from the standard AWS environment variables only.
        info.Environment["AWS_ENDPOINT_URL_S3"] = TestServices.S3Endpoint;
        info.Environment["AWS_REGION"] = "us-east-1";
        info.Environment["AWS_ACCESS_KEY_ID"] = TestServices.S3AccessKey;
        info.Environment["AWS_SECRET_ACCESS_KEY"] = TestServices.S3SecretKey;
        return Process.Start(info)!;
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
