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
    public static Task<RunResult> RunWithConsoleProgressAsync(this JobRunner runner, RunParameters parameters, RunOptions? options, ConsoleProgressOptions? display, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(parameters);
        return ShowAsync(display, (progress, interval) => runner.RunAsync(parameters, With(options, progress, interval), cancellationToken));
    }

    /// <summary>
    /// Runs one worker of a run shared by many, as <see cref="JobRunner.RunWorkerAsync"/> does, showing the run's
    /// progress as this worker sees it: its own partitions with live counts, the other workers' with the states the
    /// store last showed; lines when output is redirected or <see cref="ConsoleProgressOptions.Writer"/> is set, a live
    /// display on a terminal.
    /// </summary>
    /// <param name="runner">The runner.</param>
    /// <param name="parameters">The identifying run parameters.</param>
    /// <param name="worker">The worker's options. They are not changed: a <see cref="WorkerOptions.Progress"/> set there still gets every report.</param>
    /// <param name="display">Options of the display, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops this worker at the next chunk boundary (the run goes on on the other workers).</param>
    /// <returns>The outcome, as <see cref="JobRunner.RunWorkerAsync"/> returns it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="runner"/>, <paramref name="parameters"/> or <paramref name="worker"/> is <see langword="null"/>.</exception>
    /// <remarks>The exceptions of <see cref="JobRunner.RunWorkerAsync"/> pass through; the display has shown its last state by then.</remarks>
    public static Task<RunResult> RunWorkerWithConsoleProgressAsync(this JobRunner runner, RunParameters parameters, WorkerOptions worker, ConsoleProgressOptions? display = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(worker);
        return ShowAsync(display, (progress, interval) => runner.RunWorkerAsync(parameters, With(worker, progress, interval), cancellationToken));
    }

    private static async Task<RunResult> ShowAsync(ConsoleProgressOptions? display, Func<IProgress<RunProgress>, TimeSpan, Task<RunResult>> run)
    {
        display ??= new ConsoleProgressOptions();
        var writer = display.Writer;
        if (writer is null && (ConsoleOutput.IsRedirected || !AnsiConsole.Profile.Capabilities.Interactive))
        {
            writer = ConsoleOutput.Writer;
        }

        if (writer is not null)
        {
            return await run(new ProgressLines(writer), display.LogInterval).ConfigureAwait(false);
        }

        var live = new LiveProgress(AnsiConsole.Console);
        return await live.RunAsync(progress => run(progress, display.RefreshInterval)).ConfigureAwait(false);
    }

    // Every option of the caller is kept; only the progress receiver and its interval are the display's.
    private static RunOptions With(RunOptions? options, IProgress<RunProgress> progress, TimeSpan interval) => new()
    {
        Reprocess = options?.Reprocess ?? false,
        ReprocessChangedInput = options?.ReprocessChangedInput ?? false,
        RetryFailedPartitions = options?.RetryFailedPartitions ?? true,
        ResumeCancelled = options?.ResumeCancelled ?? false,
        Progress = Both(options?.Progress, progress),
        ProgressInterval = interval,
    };

    private static WorkerOptions With(WorkerOptions worker, IProgress<RunProgress> progress, TimeSpan interval) => new()
    {
        WorkerCount = worker.WorkerCount,
        WorkerIndex = worker.WorkerIndex,
        LeaseDuration = worker.LeaseDuration,
        ResumeCancelled = worker.ResumeCancelled,
        Progress = Both(worker.Progress, progress),
        ProgressInterval = interval,
    };

    private static IProgress<RunProgress> Both(IProgress<RunProgress>? theirs, IProgress<RunProgress> display) => theirs is null ? display : new Tee(theirs, display);

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
