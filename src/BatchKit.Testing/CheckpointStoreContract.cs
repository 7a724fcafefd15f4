using BatchKit;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Testing;

/// <summary>
/// The behaviour every <see cref="ICheckpointStore"/> must have: run and partition leases with fencing epochs, plans,
/// checkpoints and error records committed together, history, notifications, cancellation and reconciliation. Derive
/// one class, implement <see cref="CreateStore"/>, and xUnit runs every case against the store.
/// </summary>
/// <remarks>
/// xUnit creates one instance per test, and each test calls <see cref="CreateStore"/> (some twice, to reopen the same
/// state): the store returned must start empty for the instance and keep its state between calls of the same instance.
/// </remarks>
public abstract partial class CheckpointStoreContract
{
    /// <summary>The lease duration every case acquires leases for: one minute.</summary>
    protected static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(1);

    /// <summary>Gets the clock of the case, starting at 2025-03-01 08:00 UTC; cases advance it to expire leases.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));

    /// <summary>Creates the run key of job <paramref name="job"/> with the single identifying parameter <c>date</c>.</summary>
    /// <param name="date">The value of the <c>date</c> parameter.</param>
    /// <param name="job">The job name.</param>
    /// <returns>The run key.</returns>
    protected static RunKey Key(string date = "2025-03-01", string job = "nightly-orders") => new(job, RunParameters.Of("date", date));

    /// <summary>Creates a plan of <paramref name="count"/> hash partitions named <c>hash-0000</c>, <c>hash-0001</c>, and so on.</summary>
    /// <param name="count">The number of partitions.</param>
    /// <returns>The plan, with fingerprint <c>fp-1</c>.</returns>
    protected static PartitionPlan Plan(int count = 3) =>
        new("fp-1", Enumerable.Range(0, count).Select(i => new Partition(i, $"hash-{i:D4}", PartitionDescriptor.Hash(i, count))).ToList());

    /// <summary>Creates an error record of partition <paramref name="partition"/> at <paramref name="offset"/>.</summary>
    /// <param name="key">The run the record belongs to.</param>
    /// <param name="partition">The partition id.</param>
    /// <param name="offset">The record's offset in the partition.</param>
    /// <param name="reason">The reason.</param>
    /// <param name="step">The step that rejected the record.</param>
    /// <returns>The error record.</returns>
    protected static ErrorRecord Error(RunKey key, string partition, long offset, string reason = "amount is negative", string step = ErrorRecord.ValidationStepName) =>
        new(key.Value, partition, step, offset, $"row-{offset}", reason, "System.FormatException", "bad", new DateTimeOffset(2025, 3, 1, 8, 0, 1, TimeSpan.Zero));

    /// <summary>Creates the checkpoint of <paramref name="partition"/> after <paramref name="read"/> records (source position ten times that).</summary>
    /// <param name="partition">The partition id.</param>
    /// <param name="read">The records read.</param>
    /// <param name="written">The records written.</param>
    /// <param name="errors">The error records.</param>
    /// <returns>The checkpoint.</returns>
    protected static Checkpoint Checkpoint(string partition, long read, long written = 0, long errors = 0) =>
        new(partition, "sink", read * 10, read, written, errors, written, new DateTimeOffset(2025, 3, 1, 8, 0, 2, TimeSpan.Zero));

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string RunKey, string PartitionId), PartitionLease> _partitionLeases = [];

    /// <summary>
    /// Gets a lease on one partition of a planned run for <paramref name="run"/>'s owner (claimed once per test and
    /// reused): the claim names the partition's plan position as the worker's share, so it is claimed first.
    /// </summary>
    /// <param name="store">The store under test.</param>
    /// <param name="run">The run lease whose owner claims the partition.</param>
    /// <param name="partitionId">The partition to claim.</param>
    /// <returns>The partition lease.</returns>
    /// <exception cref="InvalidOperationException">No plan is saved for the run.</exception>
    protected async Task<PartitionLease> PartitionLeaseAsync(ICheckpointStore store, RunLease run, string partitionId)
    {
        if (_partitionLeases.TryGetValue((run.RunKey, partitionId), out var known))
        {
            return known;
        }

        var plan = await store.GetPlanAsync(run.RunKey, default) ?? throw new InvalidOperationException("Save the plan before leasing a partition.");
        var position = plan.Partitions.Select(p => p.Id).ToList().IndexOf(partitionId);
        var lease = await store.ClaimPartitionAsync(new PartitionClaim(run.RunKey, run.Owner, LeaseDuration) { WorkerCount = plan.Partitions.Count, WorkerIndex = position }, default);
        lease.Should().NotBeNull();
        lease!.PartitionId.Should().Be(partitionId);
        _partitionLeases[(run.RunKey, partitionId)] = lease;
        return lease;
    }

    /// <summary>Creates an empty store that reads the time from <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock the store must read the time from (for lease expiry and timestamps).</param>
    /// <returns>The store under test; the case disposes it.</returns>
    protected abstract ICheckpointStore CreateStore(TimeProvider timeProvider);
}
