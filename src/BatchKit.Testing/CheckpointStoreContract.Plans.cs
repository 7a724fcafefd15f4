using BatchKit;

namespace BatchKit.Testing;

/// <summary>Runs and plans: reading and listing runs, freezing a plan once, and partition states.</summary>
public abstract partial class CheckpointStoreContract
{
    /// <summary>Checks <c>GetRunAsync</c>: unknown run; returns null.</summary>
    [Fact]
    public async Task GetRunAsync_UnknownRun_ReturnsNull()
    {
        await using var store = CreateStore(Time);

        (await store.GetRunAsync("nope", default)).Should().BeNull();
        (await store.GetPlanAsync("nope", default)).Should().BeNull();
        (await store.GetPartitionStatesAsync("nope", default)).Should().BeEmpty();
        (await store.GetCheckpointAsync("nope", "p", default)).Should().BeNull();
    }

    /// <summary>Checks <c>ListRunsAsync</c>: several jobs; returns newest first filtered and limited.</summary>
    [Fact]
    public async Task ListRunsAsync_SeveralJobs_ReturnsNewestFirstFilteredAndLimited()
    {
        await using var store = CreateStore(Time);
        await store.AcquireRunAsync(Key("2025-03-01"), "w", LeaseDuration, default);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.AcquireRunAsync(Key("2025-03-02"), "w", LeaseDuration, default);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.AcquireRunAsync(Key("2025-03-01", "other-job"), "w", LeaseDuration, default);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.AcquireRunAsync(Key("2025-03-03"), "w", LeaseDuration, default);

        var all = await store.ListRunsAsync(null, 10, default);
        var orders = await store.ListRunsAsync("nightly-orders", 2, default);

        all.Select(r => r.Parameters + "/" + r.JobName).Should().Equal(
            "date=2025-03-03/nightly-orders", "date=2025-03-01/other-job", "date=2025-03-02/nightly-orders", "date=2025-03-01/nightly-orders");
        orders.Select(r => r.RunKey).Should().Equal(Key("2025-03-03").Value, Key("2025-03-02").Value);
    }

    /// <summary>Checks <c>SavePlanAsync</c>: new plan; round trips and creates pending states in order.</summary>
    [Fact]
    public async Task SavePlanAsync_NewPlan_RoundTripsAndCreatesPendingStatesInOrder()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        var plan = new PartitionPlan("fp-9", [new Partition(0, "z-last-id", "rows:0:10"), new Partition(1, "a-first-id", "rows:10:20"), new Partition(2, "m", "rows:20:25")]);

        await store.SavePlanAsync(lease, plan, default);

        var saved = await store.GetPlanAsync(Key().Value, default);
        saved!.Fingerprint.Should().Be("fp-9");
        saved.Partitions.Should().Equal(plan.Partitions);
        var states = await store.GetPartitionStatesAsync(Key().Value, default);
        states.Should().Equal(
            new PartitionState("z-last-id", PartitionStatus.Pending, 0, null, Time.GetUtcNow()),
            new PartitionState("a-first-id", PartitionStatus.Pending, 0, null, Time.GetUtcNow()),
            new PartitionState("m", PartitionStatus.Pending, 0, null, Time.GetUtcNow()));
    }

    /// <summary>Checks <c>SavePlanAsync</c>: second time; throws invalid operation and keeps first plan.</summary>
    [Fact]
    public async Task SavePlanAsync_SecondTime_ThrowsInvalidOperationAndKeepsFirstPlan()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(3), default);

        var act = async () => await store.SavePlanAsync(lease, Plan(5), default);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("nightly-orders");
        (await store.GetPlanAsync(Key().Value, default))!.Partitions.Should().HaveCount(3);
        (await store.GetPartitionStatesAsync(Key().Value, default)).Should().HaveCount(3);
    }

    /// <summary>Checks <c>SavePlanAsync</c>: repeated partition id; throws argument exception.</summary>
    [Fact]
    public async Task SavePlanAsync_RepeatedPartitionId_ThrowsArgumentException()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);

        var act = async () => await store.SavePlanAsync(lease, new PartitionPlan("fp", [new Partition(0, "p", "a"), new Partition(1, "p", "b")]), default);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("'p'");
        (await store.GetPlanAsync(Key().Value, default)).Should().BeNull();
    }

    /// <summary>Checks <c>SetPartitionStateAsync</c>: known partition; updates only that partition.</summary>
    [Fact]
    public async Task SetPartitionStateAsync_KnownPartition_UpdatesOnlyThatPartition()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(3), default);
        var failed = new PartitionState("hash-0001", PartitionStatus.Failed, 2, "disk full", Time.GetUtcNow().AddSeconds(5));

        await store.SetPartitionStateAsync(await PartitionLeaseAsync(store, lease, "hash-0001"), failed, false, default);

        var states = await store.GetPartitionStatesAsync(Key().Value, default);
        states.Select(s => s.PartitionId).Should().Equal("hash-0000", "hash-0001", "hash-0002");
        states[1].Should().Be(failed with { LeaseOwner = "w", LeaseEpoch = 1, LeaseExpiresAt = Time.GetUtcNow() + LeaseDuration });
        states[0].Status.Should().Be(PartitionStatus.Pending);
        states[2].Status.Should().Be(PartitionStatus.Pending);
    }

    /// <summary>Checks <c>ReopenPartitionAsync</c>: partition not in plan; throws invalid operation.</summary>
    [Fact]
    public async Task ReopenPartitionAsync_PartitionNotInPlan_ThrowsInvalidOperation()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(2), default);

        var act = async () => await store.ReopenPartitionAsync(lease, "hash-0099", clearCheckpoint: true, default);
        var unleased = async () => await store.SetPartitionStateAsync(new PartitionLease(lease.RunKey, "hash-0099", "w", 1), new PartitionState("hash-0099", PartitionStatus.Running, 1, null, Time.GetUtcNow()), false, default);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("hash-0099");
        (await unleased.Should().ThrowAsync<LeaseLostException>()).Which.Message.Should().Contain("hash-0099");
        (await store.GetPartitionStatesAsync(Key().Value, default)).Should().HaveCount(2);
    }
}
