using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using BatchKit.Testing.Services;

namespace BatchKit.ConsoleProgressTests;

/// <summary>
/// A terminal: the test host runs in a real tmux pane (a private tmux server, a fixed 160x40 window), and the test reads
/// the screen with <c>tmux capture-pane -p</c> until bars with partition ids and a rising count appear, then the summary.
/// </summary>
public sealed partial class TerminalProgressTests
{
    [Fact]
    public async Task RunWithConsoleProgressAsync_Terminal_DrawsABarPerRunningPartitionThenTheSummary()
    {
        var tmux = TestServices.Tmux;
        var socket = "batchkit-console-" + Guid.NewGuid().ToString("N")[..8];
        var dir = Directory.CreateTempSubdirectory("batchkit-console-");
        try
        {
            // A clean environment (no CI variables, which would make the console non-interactive), the pane's own TERM.
            var command = string.Create(
                CultureInfo.InvariantCulture,
                $"env -i PATH=\"$PATH\" HOME=\"$HOME\" TERM=\"$TERM\" DOTNET_ROOT=\"${{DOTNET_ROOT:-}}\" dotnet '{ConsoleHost.Dll}' '{dir.FullName}' partitions=6 rows=400 delay-ms=4; echo host-exited=$?; sleep 600");
            (await TmuxAsync(tmux, socket, "new-session", "-d", "-s", "progress", "-x", "160", "-y", "40", command)).Should().Be(0);

            var seen = new Dictionary<string, List<long>>(StringComparer.Ordinal);
            string? header = null;
            var clock = Stopwatch.StartNew();
            string screen = string.Empty;
            while (!seen.Values.Any(Rises) && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                screen = await CaptureAsync(tmux, socket);
                foreach (Match bar in BarLine().Matches(screen))
                {
                    var counts = seen.TryGetValue(bar.Groups["id"].Value, out var list) ? list : seen[bar.Groups["id"].Value] = [];
                    counts.Add(long.Parse(bar.Groups["read"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
                }

                header ??= HeaderLine().Match(screen) is { Success: true } h ? h.Value : null;
                await Task.Delay(100);
            }

            seen.Values.Any(Rises).Should().BeTrue($"a partition's bar shows a rising count; last screen:\n{screen}");
            seen.Keys.Should().OnlyContain(id => IdPattern().IsMatch(id));
            header.Should().NotBeNull($"the display has a header with the run's partitions; last screen:\n{screen}");

            while (!screen.Contains("host-exited=", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromMinutes(4))
            {
                await Task.Delay(200);
                screen = await CaptureAsync(tmux, socket);
            }

            screen.Should().Contain("host-exited=0", "the run completed; screen:\n" + screen);
            var lines = screen.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
            var summary = lines.Single(l => l.StartsWith("progress run=", StringComparison.Ordinal));
            var final = ProgressLine.Parse(summary);
            final.Should().NotBeNull(summary);
            var result = ProgressLine.ParseResult(lines.Single(l => l.StartsWith("result ", StringComparison.Ordinal)));
            (final!.Status, final.Read, final.Written, final.Errors, final.InDoubt).Should().Be(result, "the summary line has the RunResult's counts");
            result.Status.Should().Be("Completed");
            lines.Should().NotContain(l => BarLine().IsMatch(l), "the bars are cleared once the run is settled");
        }
        finally
        {
            await TmuxAsync(tmux, socket, "kill-server");
            dir.Delete(recursive: true);
        }
    }

    private static bool Rises(List<long> counts) => counts.Distinct().Count() >= 2 && counts[^1] > counts[0];

    private static async Task<string> CaptureAsync(string tmux, string socket)
    {
        var (code, output) = await RunAsync(tmux, ["-L", socket, "capture-pane", "-p", "-t", "progress"]);
        code.Should().Be(0, output);
        return output;
    }

    private static async Task<int> TmuxAsync(string tmux, string socket, params string[] args) => (await RunAsync(tmux, ["-L", socket, .. args])).ExitCode;

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    // rows-0002        ############------------   50%     200     156/s eta 00:00:01     errors 2       in-doubt 0
    [GeneratedRegex(@"^(?<id>rows-\d{4})\s+[#-]{24}\s+~?\s*\d+%\s+(?<read>[\d,]+)\s+[\d.]+[kMG]?/s\s+eta \S+\s+errors \d+\s+in-doubt \d+", RegexOptions.Multiline)]
    private static partial Regex BarLine();

    [GeneratedRegex(@"^console-progress\(batch=b1\)\s+\d\d:\d\d:\d\d\s+partitions \d+/6 done, \d+ running.*eta \S+", RegexOptions.Multiline)]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"^rows-\d{4}$")]
    private static partial Regex IdPattern();
}
