namespace BatchKit.Hosting;

/// <summary>Limits how many jobs run at once; waiters enter by priority (highest first), then in arrival order.</summary>
internal sealed class PriorityGate(int capacity)
{
    private readonly int _capacity = capacity;
    private readonly Lock _lock = new();
    private readonly PriorityQueue<TaskCompletionSource<Slot>, (int Priority, long Sequence)> _waiters = new();
    private int _available = capacity;
    private long _sequence;

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _capacity - _available;
            }
        }
    }

    public async ValueTask<Slot> EnterAsync(int priority, CancellationToken cancellationToken)
    {
        TaskCompletionSource<Slot> waiter;
        lock (_lock)
        {
            if (_available > 0 && _waiters.Count == 0)
            {
                _available--;
                return new Slot(this);
            }

            waiter = new TaskCompletionSource<Slot>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter, (-priority, _sequence++));
        }

        await using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)).ConfigureAwait(false))
        {
            return await waiter.Task.ConfigureAwait(false);
        }
    }

    private void Release()
    {
        lock (_lock)
        {
            while (_waiters.TryDequeue(out var waiter, out _))
            {
                // A waiter whose caller gave up (cancelled) is skipped; the slot goes to the next one.
                if (waiter.TrySetResult(new Slot(this)))
                {
                    return;
                }
            }

            _available++;
        }
    }

    /// <summary>A held slot; disposing it lets the next waiter in.</summary>
    public sealed class Slot(PriorityGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
