using Spectre.Console;

namespace BatchKit;

/// <summary>Runs a job with its progress on the console: a live display on a terminal, plain lines otherwise.</summary>
/// <remarks>
/// Only counts, rates, partition ids and the RunKey are shown, never a record's payload. The display is driven by
/// <see cref="RunOptions.Progress"/>: its counts are the run's own (<see cref="RunProgress"/>), and its final line has the
/// counts of the returned <see cref="RunResult"/>.
/// </remarks>
public static class ConsoleProgressJobRunnerExtensions
{
    /// <summary>Runs the job for a set of run parameters, as <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/> does, showing its progress on the console.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="parameters">The identifying run parameters.</param>
    /// <param name="cancellationToken">Stops the run at the next chunk boundary.</param>
    /// <returns>The outcome of the run.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="runner"/> or <paramref name="parameters"/> is <see langword="null"/>.</exception>
    public static Task<RunResult> RunWithConsoleProgressAsync(this JobRunner runner, RunParameters parameters, CancellationToken cancellationToken = default) =>
        RunWithConsoleProgressAsync(runner, parameters, null, null, cancellationToken);

    /// <summary>
    /// Runs the job for a set of run parameters, as <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/>
    /// does, showing its progress: when <see cref="ConsoleProgressOptions.Writer"/> is set or the console's output is
    /// redirected, a line every <see cref="ConsoleProgressOptions.LogInterval"/> and a final line; on a terminal, a live
    /// display with a bar per running partition and a final summary line.
    /// </summary>
    /// <param name="runner">The runner.</param>
    /// <param name="parameters">The identifying run parameters.</param>
    /// <param name="options">Options of the run, or <see langword="null"/> for the defaults. They are not changed: a <see cref="RunOptions.Progress"/> set there still gets every report.</param>
    /// <param name="display">Options of the display, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops the run at the next chunk boundary.</param>
    /// <returns>The outcome of the run.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="runner"/> or <paramref name="parameters"/> is <see langword="null"/>.</exception>
    /// <remarks>The exceptions of <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/> pass through; the display has shown its last state (the run stopped) by then.</remarks>
    public static async Task<RunResult> RunWithConsoleProgressAsync(this JobRunner runner, RunParameters parameters, RunOptions? options, ConsoleProgressOptions? display, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(parameters);
        display ??= new ConsoleProgressOptions();
        var writer = display.Writer;
        if (writer is null && (ConsoleOutput.IsRedirected || !AnsiConsole.Profile.Capabilities.Interactive))
        {
            writer = ConsoleOutput.Writer;
        }

        if (writer is not null)
        {
            var lines = new ProgressLines(writer);
            return await runner.RunAsync(parameters, With(options, lines, display.LogInterval), cancellationToken).ConfigureAwait(false);
        }

        var live = new LiveProgress(AnsiConsole.Console);
        return await live.RunAsync(progress => runner.RunAsync(parameters, With(options, progress, display.RefreshInterval), cancellationToken)).ConfigureAwait(false);
    }

    private static RunOptions With(RunOptions? options, IProgress<RunProgress> progress, TimeSpan interval) => new()
    {
        Reprocess = options?.Reprocess ?? false,
        RetryFailedPartitions = options?.RetryFailedPartitions ?? true,
        Progress = options?.Progress is { } theirs ? new Tee(theirs, progress) : progress,
        ProgressInterval = interval,
    };

    /// <summary>Reports to the caller's receiver and to the display.</summary>
    private sealed class Tee(IProgress<RunProgress> first, IProgress<RunProgress> second) : IProgress<RunProgress>
    {
        public void Report(RunProgress value)
        {
            first.Report(value);
            second.Report(value);
        }
    }
}
