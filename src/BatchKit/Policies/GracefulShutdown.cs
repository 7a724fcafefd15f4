using System.Runtime.InteropServices;

namespace BatchKit;

/// <summary>
/// Turns SIGTERM, SIGINT (Ctrl+C) and SIGQUIT into a cancellation token, so a console host stops its run at the next
/// chunk boundary with its checkpoints written, instead of being killed mid-chunk.
/// </summary>
/// <example>
/// <code>
/// using var shutdown = new GracefulShutdown();
/// try { await runner.RunAsync(parameters, shutdown.Token); }
/// catch (OperationCanceledException) when (shutdown.IsRequested) { return GracefulShutdown.ResumableExitCode; }
/// </code>
/// </example>
public sealed class GracefulShutdown : IDisposable
{
    /// <summary>The exit code for a run stopped by a signal that the next run resumes (75, EX_TEMPFAIL).</summary>
    public const int ResumableExitCode = 75;

    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration[] _registrations;

    /// <summary>Initializes a new instance of the <see cref="GracefulShutdown"/> class and starts listening for the signals.</summary>
    public GracefulShutdown()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Handle),
        ];
    }

    /// <summary>Gets the token that is cancelled when a signal arrives.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Gets a value indicating whether a signal arrived.</summary>
    public bool IsRequested => _cancellation.IsCancellationRequested;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cancellation.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        // Keep the process alive: the run stops at the next chunk boundary and the host exits with ResumableExitCode.
        context.Cancel = true;
        _cancellation.Cancel();
    }
}
