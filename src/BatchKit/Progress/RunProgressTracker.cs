using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <summary>
/// Tracks the progress of one worker's call in a run for <see cref="RunOptions.Progress"/> and reports it at a fixed
/// interval. It counts nothing itself: partitions run here publish the totals their sink stage already keeps for the
/// checkpoint (<see cref="PartitionProgressSlot.Set"/>), partitions of other workers come from the partition states the
/// claim loop reads anyway, and the final snapshot from the checkpoints the run's result is summed from.
/// </summary>
internal sealed class RunProgressTracker : IDisposable
{
    private readonly RunKey _runKey;
    private readonly IProgress<RunProgress> _progress;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly ILogger _logger;
    private readonly Lock _reporting = new();
    private readonly CancellationTokenSource _stop = new();
    private PartitionProgressSlot[] _slots = [];
    private Dictionary<string, PartitionProgressSlot> _byId = new(StringComparer.Ordinal);
    private bool _shuffled;
    private bool _final;
    private bool _failed;
    private Task? _loop;

    public RunProgressTracker(RunKey runKey, IProgress<RunProgress> progress, TimeSpan interval, TimeProvider time, long started, ILogger logger)
    {
        _runKey = runKey;
        _progress = progress;
        _interval = interval;
        _time = time;
        _started = started;
        _logger = logger;
    }

    /// <summary>Creates a slot per partition of the plan (once; later calls keep the slots), seeded from the partitions' checkpoints and states.</summary>
    public async Task PlanAsync(ICheckpointStore store, IReadOnlyList<Partition> partitions, CancellationToken cancellationToken)
    {
        if (_slots.Length > 0 || partitions.Count == 0)
        {
            return;
        }

        var slots = partitions.Select(p => new PartitionProgressSlot(p.Index, p.Id, ExpectedRecords(p))).ToArray();
        _byId = slots.ToDictionary(s => s.Id, StringComparer.Ordinal);
        _shuffled = partitions.Any(StagingLayout.IsExtract);
        foreach (var slot in slots)
        {
            slot.Seed(await store.GetCheckpointAsync(_runKey.Value, slot.Id, cancellationToken).ConfigureAwait(false));
        }

        _slots = slots;
        Observe(await store.GetPartitionStatesAsync(_runKey.Value, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Starts the periodic reports (once).</summary>
    public void Start()
    {
        _loop ??= Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>Gets the slot of a partition, or <see langword="null"/> when it is not in the tracked plan.</summary>
    public PartitionProgressSlot? For(string partitionId) => _byId.GetValueOrDefault(partitionId);

    /// <summary>Takes the statuses of the partitions this worker does not run from the store's partition states.</summary>
    public void Observe(IReadOnlyList<PartitionState> states)
    {
        foreach (var state in states)
        {
            if (_byId.TryGetValue(state.PartitionId, out var slot) && !slot.IsLocal && state.UpdatedAt >= slot.LocalAt)
            {
                slot.Status = state.Status;
            }
        }
    }

    /// <summary>Takes a partition's final counts from the checkpoint the run's result is summed from.</summary>
    public void Settle(string partitionId, Checkpoint? checkpoint) => For(partitionId)?.Seed(checkpoint);

    /// <summary>Gets a value indicating whether the final snapshot was sent (or its sending began).</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>Stops the periodic reports and sends the final snapshot (once).</summary>
    public async Task CompleteAsync(RunStatus status, IReadOnlyList<PartitionState>? states)
    {
        if (IsCompleted)
        {
            return;
        }

        IsCompleted = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (states is not null)
        {
            foreach (var slot in _slots)
            {
                slot.IsLocal = false;
            }

            Observe(states);
        }

        Report(status, final: true);
    }

    public void Dispose() => _stop.Dispose();

    private async Task LoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(_interval, _time, _stop.Token).ConfigureAwait(false);
                Report(RunStatus.Running, final: false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private void Report(RunStatus status, bool final)
    {
        lock (_reporting)
        {
            if (_final || _failed)
            {
                return;
            }

            _final = final;
            var snapshot = Snapshot(status, final);
            try
            {
                _progress.Report(snapshot);
            }
#pragma warning disable CA1031 // a failing progress display must not fail the run: it is logged and no longer called
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _failed = true;
                Log.ProgressReportFailed(_logger, ex, _runKey.JobName, _runKey);
            }
        }
    }

    private RunProgress Snapshot(RunStatus status, bool final)
    {
        var partitions = new PartitionProgress[_slots.Length];
        long read = 0, written = 0, errors = 0, inDoubt = 0;
        int completed = 0, failed = 0, running = 0;
        for (var i = 0; i < _slots.Length; i++)
        {
            var p = _slots[i].Snapshot();
            partitions[i] = p;
            var extract = p.Id.StartsWith(StagingLayout.ExtractPrefix, StringComparison.Ordinal);
            read += !_shuffled || extract ? p.RecordsRead : 0;
            written += extract ? 0 : p.RecordsWritten;
            errors += p.Errors;
            inDoubt += p.InDoubt;
            completed += p.Status == PartitionStatus.Completed ? 1 : 0;
            failed += p.Status == PartitionStatus.Failed ? 1 : 0;
            running += p.Status == PartitionStatus.Running ? 1 : 0;
        }

        return new RunProgress
        {
            RunKey = _runKey,
            Status = status,
            IsFinal = final,
            Elapsed = _time.GetElapsedTime(_started),
            Partitions = partitions,
            RecordsRead = read,
            RecordsWritten = written,
            Errors = errors,
            InDoubt = inDoubt,
            CompletedPartitions = completed,
            FailedPartitions = failed,
            RunningPartitions = running,
        };
    }

    private static long? ExpectedRecords(Partition partition)
    {
        if (!partition.Descriptor.StartsWith("rows:", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var (start, end) = PartitionDescriptor.ParseRows(partition.Descriptor);
            return end - start;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
