namespace BatchKit.Testing;

/// <summary>Cancellation requests (<see cref="ICheckpointStore.SetCancelRequestAsync"/>): recorded under the run lease, fenced, and refused claims.</summary>
public abstract partial class CheckpointStoreContract
{
    /// <summary>Checks <c>SetCancelRequestAsync</c>: recorded; refuses every claim until cleared.</summary>
    [Fact]
    public async Task SetCancelRequestAsync_Recorded_RefusesEveryClaimUntilCleared()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(2), default);
        await store.SetRunStatusAsync(lease, RunStatus.Running, null, release: true, default);
        var held = (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-a", LeaseDuration), default))!;

        var (operatorLease, _) = await store.AcquireRunAsync(key, "operator", LeaseDuration, default);
        await store.SetCancelRequestAsync(operatorLease, "operator", default);
        await store.SetRunStatusAsync(operatorLease, RunStatus.Cancelled, "cancelled", release: true, default);

        var run = (await store.GetRunAsync(key.Value, default))!;
        run.CancelRequestedAt.Should().Be(Time.GetUtcNow());
        run.CancelRequestedBy.Should().Be("operator");
        run.Status.Should().Be(RunStatus.Cancelled);
        (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default)).Should().BeNull("a pending partition of a cancelled run is not claimed");
        Time.Advance(LeaseDuration * 2);
        (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default)).Should().BeNull("nor one whose lease expired");

        // The holder still commits what it has in flight and hands the partition back.
        await store.CommitChunkAsync(held, Checkpoint(held.PartitionId, 10), [], default);
        await store.SetPartitionStateAsync(held, new PartitionState(held.PartitionId, PartitionStatus.Pending, 1, null, Time.GetUtcNow()), release: true, default);

        var (resume, _) = await store.AcquireRunAsync(key, "worker-b", LeaseDuration, default);
        await store.SetCancelRequestAsync(resume, null, default);
        await store.SetRunStatusAsync(resume, RunStatus.Running, null, release: true, default);
        var cleared = (await store.GetRunAsync(key.Value, default))!;
        cleared.CancelRequestedAt.Should().BeNull();
        cleared.CancelRequestedBy.Should().BeNull();
        (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default)).Should().NotBeNull();
        (await store.GetCheckpointAsync(key.Value, held.PartitionId, default))!.RecordsRead.Should().Be(10);
    }

    /// <summary>Checks <c>SetCancelRequestAsync</c>: stale run lease; is refused and changes nothing.</summary>
    [Fact]
    public async Task SetCancelRequestAsync_StaleRunLease_IsRefusedAndChangesNothing()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (stale, _) = await store.AcquireRunAsync(key, "operator", LeaseDuration, default);
        Time.Advance(LeaseDuration * 2);
        var (current, _) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);

        var act = async () => await store.SetCancelRequestAsync(stale, "operator", default);

        await act.Should().ThrowAsync<LeaseLostException>();
        (await store.GetRunAsync(key.Value, default))!.CancelRequestedAt.Should().BeNull();
        await store.SetRunStatusAsync(current, RunStatus.Running, null, release: true, default);
    }
}
