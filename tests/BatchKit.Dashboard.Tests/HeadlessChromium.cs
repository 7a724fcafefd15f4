using BatchKit.Testing.Services;

using System.Diagnostics;

namespace BatchKit.Dashboard.Tests;

/// <summary>Runs the real Chromium (TestServices.Chromium) headless: the DOM after scripts ran, and screenshots.</summary>
public static class HeadlessChromium
{
    public static string ArtifactsDirectory { get; } =
        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard")).FullName;

    /// <summary>Loads <paramref name="url"/>, lets its scripts run for <paramref name="virtualTimeMs"/> of virtual time, and returns the DOM.</summary>
    public static Task<string> DumpDomAsync(Uri url, int virtualTimeMs = 5000) =>
        RunAsync("--dump-dom", $"--virtual-time-budget={virtualTimeMs}", url.AbsoluteUri);

    /// <summary>Saves a screenshot of <paramref name="url"/> under the test output folder and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(Uri url, string name)
    {
        var file = Path.Combine(ArtifactsDirectory, name + ".png");
        File.Delete(file);
        await RunAsync($"--screenshot={file}", "--window-size=1400,900", "--virtual-time-budget=3000", url.AbsoluteUri);
        return file;
    }

    private static async Task<string> RunAsync(params string[] arguments)
    {
        var profile = Path.Combine(Path.GetTempPath(), "batchkit-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(TestServices.Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"Chromium did not finish in 120 s: {string.Join(' ', arguments)}");
            }

            var dom = await stdout;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"Chromium exited with {process.ExitCode}: {await stderr}");
            }

            return dom;
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // A Chromium helper may still hold a file for a moment; the folder is in the temp directory.
            }
        }
    }
}
