namespace BatchKit.Testing;

/// <summary>
/// Passes every call to the real sink and its writers, and throws <see cref="SimulatedCrashException"/> once, at one
/// <see cref="SinkCrashPoint"/>. It implements the optional interfaces (<see cref="IRunCompletingSink"/>,
/// <see cref="IPartitionOutputRemover"/>, <see cref="ICheckpointingSinkWriter{T}"/>) exactly when the real one does, so
/// the runner drives it as it drives the real sink.
/// </summary>
internal class CrashingSink<T> : ISink<T>
{
    private readonly ISink<T> _inner;
    private readonly SinkCrashPoint _point;
    private int _commits;
    private int _crashed;

    protected CrashingSink(ISink<T> inner, SinkCrashPoint point)
    {
        _inner = inner;
        _point = point;
    }

    public bool Crashed => Volatile.Read(ref _crashed) == 1;

    public WriteDisposition Disposition => _inner.Disposition;

    protected ISink<T> Inner => _inner;

    public static CrashingSink<T> Create(ISink<T> inner, SinkCrashPoint point) => (inner is IRunCompletingSink, inner is IPartitionOutputRemover) switch
    {
        (true, true) => new CompletingRemoving(inner, point),
        (true, false) => new Completing(inner, point),
        (false, true) => new Removing(inner, point),
        _ => new CrashingSink<T>(inner, point),
    };

    public async ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        var writer = await _inner.OpenAsync(context, cancellationToken).ConfigureAwait(false);
        return writer is ICheckpointingSinkWriter<T> checkpointing ? new CheckpointingWriter(this, checkpointing) : new Writer(this, writer);
    }

    protected void CrashAt(SinkCrashPoint point)
    {
        if (point == _point && (point is not (SinkCrashPoint.BeforeCommit or SinkCrashPoint.AfterCommit) || Interlocked.Increment(ref _commits) == 2)
            && Interlocked.CompareExchange(ref _crashed, 1, 0) == 0)
        {
            throw new SimulatedCrashException($"Simulated crash at {point}.");
        }
    }

    protected async ValueTask CompleteRunAsync(RunCompletionContext context, CancellationToken cancellationToken)
    {
        CrashAt(SinkCrashPoint.CompleteRun);
        await ((IRunCompletingSink)_inner).CompleteRunAsync(context, cancellationToken).ConfigureAwait(false);
    }

    protected ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken) =>
        ((IPartitionOutputRemover)_inner).RemovePartitionOutputAsync(context, cancellationToken);

    private sealed class Completing(ISink<T> inner, SinkCrashPoint point) : CrashingSink<T>(inner, point), IRunCompletingSink
    {
        ValueTask IRunCompletingSink.CompleteRunAsync(RunCompletionContext context, CancellationToken cancellationToken) => CompleteRunAsync(context, cancellationToken);
    }

    private sealed class Removing(ISink<T> inner, SinkCrashPoint point) : CrashingSink<T>(inner, point), IPartitionOutputRemover
    {
        ValueTask IPartitionOutputRemover.RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken) => RemovePartitionOutputAsync(context, cancellationToken);
    }

    private sealed class CompletingRemoving(ISink<T> inner, SinkCrashPoint point) : CrashingSink<T>(inner, point), IRunCompletingSink, IPartitionOutputRemover
    {
        ValueTask IRunCompletingSink.CompleteRunAsync(RunCompletionContext context, CancellationToken cancellationToken) => CompleteRunAsync(context, cancellationToken);

        ValueTask IPartitionOutputRemover.RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken) => RemovePartitionOutputAsync(context, cancellationToken);
    }

    private class Writer(CrashingSink<T> sink, ISinkWriter<T> inner) : ISinkWriter<T>
    {
        protected CrashingSink<T> Sink => sink;

        public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken) => inner.WriteAsync(records, cancellationToken);

        public async ValueTask<long> CommitAsync(CancellationToken cancellationToken)
        {
            sink.CrashAt(SinkCrashPoint.BeforeCommit);
            var position = await inner.CommitAsync(cancellationToken).ConfigureAwait(false);
            sink.CrashAt(SinkCrashPoint.AfterCommit);
            return position;
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            sink.CrashAt(SinkCrashPoint.BeforeComplete);
            await inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
            sink.CrashAt(SinkCrashPoint.AfterComplete);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class CheckpointingWriter(CrashingSink<T> sink, ICheckpointingSinkWriter<T> inner) : Writer(sink, inner), ICheckpointingSinkWriter<T>
    {
        public bool CanCommitCheckpointsOf(ICheckpointStore store) => inner.CanCommitCheckpointsOf(store);

        public async ValueTask<long> CommitAsync(ChunkCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            Sink.CrashAt(SinkCrashPoint.BeforeCommit);
            var position = await inner.CommitAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            Sink.CrashAt(SinkCrashPoint.AfterCommit);
            return position;
        }
    }
}
