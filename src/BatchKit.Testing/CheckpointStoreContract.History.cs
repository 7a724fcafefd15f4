using BatchKit;

namespace BatchKit.Testing;

/// <summary>
/// Run history: a store that records it (<see cref="ICheckpointStore.RecordsHistory"/>) keeps every run and partition
/// attempt with its SLA results, across resets, until the run is deleted; a store that does not returns none.
/// </summary>
public abstract partial class CheckpointStoreContract
{
    private static readonly SlaResult[] Results =
    [
        new(SlaObjective.Completeness, 0.001, 0.0, Passed: true, IsGate: true, "source 300, destination 300"),
        new(SlaObjective.Duration, 600, null, Passed: false, IsGate: false, "the duration is unknown"),
        new(SlaObjective.ErrorRate, double.NaN, double.NaN, Passed: true, IsGate: false, "no records"),
    ];

    /// <summary>Checks <c>RecordRunAttemptAsync</c>: start then end; keeps one attempt with the results of its last record.</summary>
    [Fact]
    public async Task RecordRunAttemptAsync_StartThenEnd_KeepsOneAttemptWithTheResultsOfItsLastRecord()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
        var started = Time.GetUtcNow();
        await store.RecordRunAttemptAsync(new RunAttempt(key.Value, "worker-a", 1, lease.Epoch, started, null, RunStatus.Running) { Partitions = 3 }, default);
        var running = await store.ListRunAttemptsAsync(key.Value, default);
        Time.Advance(TimeSpan.FromMinutes(5));

        var ended = new RunAttempt(key.Value, "worker-a", 1, lease.Epoch, started, Time.GetUtcNow(), RunStatus.CompletedWithDoubts)
        {
            Partitions = 3,
            PartitionsProcessed = 2,
            RecordsRead = 300,
            RecordsWritten = 294,
            Errors = 5,
            InDoubt = 1,
            Error = "1 side effect(s) in doubt",
            PartitionsReconciled = 2,
            SlaResults = Results,
        };
        await store.RecordRunAttemptAsync(ended, default);
        var attempts = await store.ListRunAttemptsAsync(key.Value, default);
        await store.RecordRunAttemptAsync(ended with { SlaResults = [Results[0]] }, default);
        var rewritten = await store.ListRunAttemptsAsync(key.Value, default);

        if (!store.RecordsHistory)
        {
            running.Should().BeEmpty("a store without history keeps no attempts");
            attempts.Should().BeEmpty();
            return;
        }

        running.Should().ContainSingle().Which.Should().Match<RunAttempt>(a => a.Status == RunStatus.Running && a.EndedAt == null && a.Partitions == 3 && a.SlaResults.Count == 0);
        var attempt = attempts.Should().ContainSingle().Subject;
        attempt.Should().BeEquivalentTo(ended, o => o.Excluding(a => a.SlaResults));
        attempt.Duration.Should().Be(TimeSpan.FromMinutes(5));
        attempt.SlaResults.Should().HaveCount(3);
        attempt.SlaResults[0].Should().Be(Results[0]);
        attempt.SlaResults[1].Should().Be(Results[1], "an unknown actual value stays unknown");
        attempt.SlaResults[2].Should().Be(new SlaResult(SlaObjective.ErrorRate, 0, null, true, false, "no records"), "NaN is stored as a target of 0 and an unknown actual");
        rewritten.Should().ContainSingle().Which.SlaResults.Should().Equal(Results[0]);
    }

    /// <summary>Checks <c>ListRunAttemptsAsync</c>: attempts of many owners; oldest first each with its own results.</summary>
    [Fact]
    public async Task ListRunAttemptsAsync_AttemptsOfManyOwners_OldestFirstEachWithItsOwnResults()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var other = Key("2025-03-02");
        var first = new RunAttempt(key.Value, "worker-b", 1, 1, Time.GetUtcNow(), Time.GetUtcNow().AddMinutes(1), RunStatus.Failed) { Error = "boom", SlaResults = [Results[1]] };
        var second = new RunAttempt(key.Value, "worker-a", 2, 2, Time.GetUtcNow().AddMinutes(2), Time.GetUtcNow().AddMinutes(3), RunStatus.Completed) { SlaResults = [Results[0]] };

        // Recorded newest first, and another run's attempt in between.
        await store.RecordRunAttemptAsync(second, default);
        await store.RecordRunAttemptAsync(new RunAttempt(other.Value, "worker-b", 1, 1, Time.GetUtcNow(), null, RunStatus.Running) { SlaResults = [Results[1]] }, default);
        await store.RecordRunAttemptAsync(first, default);
        var attempts = await store.ListRunAttemptsAsync(key.Value, default);

        if (!store.RecordsHistory)
        {
            attempts.Should().BeEmpty();
            return;
        }

        attempts.Select(a => (a.Owner, a.Attempt, a.Status, a.Error)).Should().Equal(("worker-b", 1, RunStatus.Failed, "boom"), ("worker-a", 2, RunStatus.Completed, null));
        attempts[0].SlaResults.Should().Equal(Results[1]);
        attempts[1].SlaResults.Should().Equal(Results[0]);
        (await store.ListRunAttemptsAsync(other.Value, default)).Should().ContainSingle().Which.Owner.Should().Be("worker-b");
        (await store.ListRunAttemptsAsync(Key("2099-01-01").Value, default)).Should().BeEmpty();
    }

    /// <summary>Checks <c>RecordPartitionAttemptAsync</c>: attempts of many partitions; listed by partition then start and updated in place.</summary>
    [Fact]
    public async Task RecordPartitionAttemptAsync_AttemptsOfManyPartitions_ListedByPartitionThenStartAndUpdatedInPlace()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var start = Time.GetUtcNow();
        PartitionAttempt Attempt(string partition, int number, string owner, int minutes, PartitionStatus status) =>
            new(key.Value, partition, number, owner, number, start.AddMinutes(minutes), status == PartitionStatus.Running ? null : start.AddMinutes(minutes + 1), status);

        await store.RecordPartitionAttemptAsync(Attempt("rows-0001", 2, "worker-b", 4, PartitionStatus.Running), default);
        await store.RecordPartitionAttemptAsync(Attempt("rows-0001", 1, "worker-a", 1, PartitionStatus.Failed) with { RecordsRead = 40, Error = "IOException: disk hiccup" }, default);
        await store.RecordPartitionAttemptAsync(Attempt("rows-0000", 1, "worker-a", 0, PartitionStatus.Completed) with { RecordsRead = 150, RecordsWritten = 149, Errors = 1, InDoubt = 2 }, default);
        var ended = Attempt("rows-0001", 2, "worker-b", 4, PartitionStatus.Completed) with { RecordsRead = 150, RecordsWritten = 150 };
        await store.RecordPartitionAttemptAsync(ended, default);
        var attempts = await store.ListPartitionAttemptsAsync(key.Value, default);

        if (!store.RecordsHistory)
        {
            attempts.Should().BeEmpty();
            return;
        }

        attempts.Select(a => (a.PartitionId, a.Attempt, a.Owner, a.Status)).Should().Equal(
            ("rows-0000", 1, "worker-a", PartitionStatus.Completed),
            ("rows-0001", 1, "worker-a", PartitionStatus.Failed),
            ("rows-0001", 2, "worker-b", PartitionStatus.Completed));
        attempts[0].Should().Be(Attempt("rows-0000", 1, "worker-a", 0, PartitionStatus.Completed) with { RecordsRead = 150, RecordsWritten = 149, Errors = 1, InDoubt = 2 });
        attempts[1].Error.Should().Be("IOException: disk hiccup");
        attempts[2].Should().Be(ended, "the end of an attempt updates the record of its start");
        attempts[2].Duration.Should().Be(TimeSpan.FromMinutes(1));
    }

    /// <summary>Checks <c>History</c>: is kept by reset run async; and deleted with the run.</summary>
    [Fact]
    public async Task History_IsKeptByResetRunAsync_AndDeletedWithTheRun()
    {
        await using var store = CreateStore(Time);
        var key = Key("2025-01-01");
        var kept = Key("2025-01-02");
        var (lease, _) = await store.AcquireRunAsync(key, "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(1), default);
        await store.RecordRunAttemptAsync(new RunAttempt(key.Value, "w", 1, lease.Epoch, Time.GetUtcNow(), Time.GetUtcNow(), RunStatus.Failed) { SlaResults = Results }, default);
        await store.RecordPartitionAttemptAsync(new PartitionAttempt(key.Value, "hash-0000", 1, "w", 1, Time.GetUtcNow(), Time.GetUtcNow(), PartitionStatus.Failed), default);
        await store.RecordRunAttemptAsync(new RunAttempt(kept.Value, "w", 1, 1, Time.GetUtcNow(), null, RunStatus.Running) { SlaResults = Results }, default);
        await store.RecordPartitionAttemptAsync(new PartitionAttempt(kept.Value, "hash-0000", 1, "w", 1, Time.GetUtcNow(), null, PartitionStatus.Running), default);

        await store.ResetRunAsync(lease, default);
        var afterReset = (await store.ListRunAttemptsAsync(key.Value, default), await store.ListPartitionAttemptsAsync(key.Value, default));
        await store.SetRunStatusAsync(lease, RunStatus.Completed, null, release: true, default);
        Time.Advance(TimeSpan.FromDays(2));
        var deleted = await store.DeleteRunsEndedBeforeAsync(Time.GetUtcNow().AddDays(-1), default);

        deleted.Should().Equal(key.Value);
        (await store.ListRunAttemptsAsync(key.Value, default)).Should().BeEmpty();
        (await store.ListPartitionAttemptsAsync(key.Value, default)).Should().BeEmpty();
        if (!store.RecordsHistory)
        {
            afterReset.Item1.Should().BeEmpty();
            return;
        }

        afterReset.Item1.Should().ContainSingle("a reprocessed run keeps its past").Which.SlaResults.Should().HaveCount(3);
        afterReset.Item2.Should().ContainSingle();
        (await store.ListRunAttemptsAsync(kept.Value, default)).Should().ContainSingle().Which.SlaResults.Should().HaveCount(3, "only the deleted run's history goes");
        (await store.ListPartitionAttemptsAsync(kept.Value, default)).Should().ContainSingle();

        // A new attempt of a deleted run starts a fresh history: no result of the old one comes back.
        await store.RecordRunAttemptAsync(new RunAttempt(key.Value, "w", 1, 1, Time.GetUtcNow(), null, RunStatus.Running), default);
        (await store.ListRunAttemptsAsync(key.Value, default)).Should().ContainSingle().Which.SlaResults.Should().BeEmpty();
    }
}
