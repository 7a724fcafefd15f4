using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace BatchKit;

/// <summary>
/// Holds one lease (a run lease while joining or finalizing, or a partition lease while the partition runs): renews it on a heartbeat (retrying a failed renewal within the lease's remaining
/// time), tracks the last successful renewal on a monotonic clock for self-fencing, and cancels the attempt once the
/// lease is definitively lost (the store says so, or no renewal succeeded before the lease expired). A renewal that is
/// merely late (a starved machine) does not stop the run: writers that find the lease too old confirm it with the store.
/// </summary>
internal sealed class LeaseGuard : IDisposable
{
    private readonly Func<TimeSpan, CancellationToken, ValueTask<bool>> _renew;
    private readonly string _what;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _usable;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _onLost;
    private readonly ILogger _logger;
    private readonly string _jobName;
    private readonly CancellationTokenSource _stop = new();
    private long _renewedAt;
    private int _lost;

    /// <summary>Initializes a new instance of the <see cref="LeaseGuard"/> class.</summary>
    /// <param name="renew">Renews the lease for the given duration; <see langword="false"/> when it was lost.</param>
    /// <param name="owner">The lease owner.</param>
    /// <param name="epoch">The lease epoch.</param>
    /// <param name="what">What is leased, for logs: the run, or the run and partition.</param>
    /// <param name="duration">The lease duration.</param>
    /// <param name="time">The clock.</param>
    /// <param name="onLost">Cancelled once the lease is lost.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="jobName">The job name, for logs.</param>
    public LeaseGuard(Func<TimeSpan, CancellationToken, ValueTask<bool>> renew, string owner, long epoch, string what, TimeSpan duration, TimeProvider time, CancellationTokenSource onLost, ILogger logger, string jobName)
    {
        _renew = renew;
        _what = what;
        _duration = duration;
        _usable = duration - SafetyMargin(duration);
        _time = time;
        _onLost = onLost;
        _logger = logger;
        _jobName = jobName;
        _renewedAt = time.GetTimestamp();
        Token = new FencingToken(owner, epoch, () => IsExpired, ConfirmAsync) { LeaseDuration = duration };
    }

    /// <summary>Creates the guard of a run lease.</summary>
    public static LeaseGuard ForRun(ICheckpointStore store, RunLease lease, TimeSpan duration, TimeProvider time, CancellationTokenSource onLost, ILogger logger, string jobName) =>
        new((d, ct) => store.RenewLeaseAsync(lease, d, ct), lease.Owner, lease.Epoch, lease.RunKey, duration, time, onLost, logger, jobName);

    /// <summary>Creates the guard of a partition lease.</summary>
    public static LeaseGuard ForPartition(ICheckpointStore store, PartitionLease lease, TimeSpan duration, TimeProvider time, CancellationTokenSource onLost, ILogger logger, string jobName) =>
        new((d, ct) => store.RenewPartitionLeaseAsync(lease, d, ct), lease.Owner, lease.Epoch, lease.RunKey + "/" + lease.PartitionId, duration, time, onLost, logger, jobName);

    public FencingToken Token { get; }

    /// <summary>Gets a value indicating whether the lease was definitively lost.</summary>
    public bool Lost => Volatile.Read(ref _lost) == 1;

    /// <summary>Gets a value indicating whether writes must stop: the lease is lost, or too old to be trusted.</summary>
    public bool IsExpired => Lost || _time.GetElapsedTime(Volatile.Read(ref _renewedAt)) >= _usable;

    /// <summary>The part of a lease that self-fencing gives up: a sixth of it (5 s of the default 30 s).</summary>
    public static TimeSpan SafetyMargin(TimeSpan duration) => duration / 6;

    /// <summary>Renews the lease every third of its duration until stopped.</summary>
    public async Task RunAsync()
    {
        var retry = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(Math.Max(10, _duration.TotalMilliseconds / 100)),
                MaxDelay = _duration / 10,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && !(ex is OperationCanceledException && _stop.IsCancellationRequested)),
                OnRetry = args =>
                {
                    Log.LeaseRenewalFailed(_logger, args.Outcome.Exception, _jobName, _what, args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            using var timer = new PeriodicTimer(_duration / 3, _time);
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                // Retry a failed renewal while the lease lasts; once it has expired without one, another process may
                // hold it, so it is lost. Writers stop earlier, at the self-fencing margin, unless they confirm it themselves.
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                deadline.CancelAfter(Remaining());
                bool held;
                try
                {
                    held = await retry.ExecuteAsync(RenewAsync, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception) when (!_stop.IsCancellationRequested)
                {
                    held = false;
                }

                if (!held)
                {
                    await MarkLostAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async Task StopAsync(Task heartbeat)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
    }

    public void Dispose() => _stop.Dispose();

    private TimeSpan Remaining()
    {
        var left = _duration - _time.GetElapsedTime(Volatile.Read(ref _renewedAt));
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    private async ValueTask<bool> RenewAsync(CancellationToken cancellationToken)
    {
        if (Lost)
        {
            return false;
        }

        // The lease runs from when the renewal was sent, not from when its answer arrived.
        var sent = _time.GetTimestamp();
        if (!await _renew(_duration, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        long seen;
        while ((seen = Volatile.Read(ref _renewedAt)) < sent && Interlocked.CompareExchange(ref _renewedAt, sent, seen) != seen)
        {
        }

        return true;
    }

    private async ValueTask<bool> ConfirmAsync(CancellationToken cancellationToken)
    {
        if (await RenewAsync(cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        await MarkLostAsync().ConfigureAwait(false);
        return false;
    }

    private async Task MarkLostAsync()
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0)
        {
            await _onLost.CancelAsync().ConfigureAwait(false);
        }
    }
}
