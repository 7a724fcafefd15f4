using BatchKit;

namespace BatchKit.Testing;

/// <content>Run completion notifications: recorded per run, replaced by a newer one, kept by a reset, deleted with the run.</content>
public abstract partial class CheckpointStoreContract
{
    /// <summary>Checks <c>SaveNotificationAsync</c>: pending then delivered; round trips and replaces.</summary>
    [Fact]
    public async Task SaveNotificationAsync_PendingThenDelivered_RoundTripsAndReplaces()
    {
        await using var store = CreateStore(Time);
        store.RecordsNotifications.Should().BeTrue();
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
        await store.SetRunStatusAsync(lease, RunStatus.Completed, null, release: true, default);
        (await store.GetNotificationAsync(key.Value, default)).Should().BeNull();

        var pending = new RunNotification(key.Value, key.Value + ":1", "{\"eventId\":\"x\"}", Time.GetUtcNow(), null, 0, null);
        await store.SaveNotificationAsync(pending, default);
        var failed = pending with { Attempts = 1, LastError = "HttpRequestException: 500" };
        await store.SaveNotificationAsync(failed, default);

        (await store.GetNotificationAsync(key.Value, default)).Should().Be(failed);
        (await store.GetNotificationAsync(Key("2025-03-02").Value, default)).Should().BeNull();

        var delivered = failed with { Attempts = 2, DeliveredAt = Time.GetUtcNow().AddSeconds(5), LastError = null };
        await store.SaveNotificationAsync(delivered, default);
        var read = await store.GetNotificationAsync(key.Value, default);
        read.Should().Be(delivered);
        read!.IsPending.Should().BeFalse();
    }

    /// <summary>Checks <c>DeleteRunsEndedBeforeAsync</c>: run with notification; deletes the notification.</summary>
    [Fact]
    public async Task DeleteRunsEndedBeforeAsync_RunWithNotification_DeletesTheNotification()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
        await store.SetRunStatusAsync(lease, RunStatus.Completed, null, release: true, default);
        await store.SaveNotificationAsync(new RunNotification(key.Value, key.Value + ":1", "{}", Time.GetUtcNow(), Time.GetUtcNow(), 1, null), default);
        Time.Advance(TimeSpan.FromDays(2));

        var deleted = await store.DeleteRunsEndedBeforeAsync(Time.GetUtcNow().AddDays(-1), default);

        deleted.Should().Contain(key.Value);
        (await store.GetNotificationAsync(key.Value, default)).Should().BeNull("a new run of the same RunKey must not find the old run's delivered event");
    }
}
