using BatchKit.Tests.Support;

namespace BatchKit.Tests.Notifications;

/// <summary>
/// A process SIGKILLed while its completion webhook is in flight: the run it completed stays completed, the notification
/// stays pending, and the rerun of the RunKey delivers it with the same Idempotency-Key.
/// </summary>
public sealed class WebhookKillTests
{
    [Fact]
    public async Task RunAsync_KilledWhileTheWebhookIsInFlight_TheRunStaysCompletedAndTheRerunDeliversTheSameEvent()
    {
        using var temp = new TempDirectory();
        Items.WriteJsonLines(temp.File("input"), files: 3, perFile: 200);
        await using var receiver = new HoldingWebhookReceiver();
        string[] args = ["notify", "--input", temp.File("input"), "--state", temp.File("state.db"), "--output", temp.File("output"), "--webhook", receiver.Uri.ToString()];
        var runKey = new RunKey("testhost-notify", RunParameters.Of("date", "2026-11-22")).Value;

        using (var first = TestHostProcess.Start(args))
        {
            var arrived = await Task.WhenAny(receiver.FirstRequest, Task.Delay(TimeSpan.FromMinutes(3)));
            arrived.Should().BeSameAs(receiver.FirstRequest, "the completion webhook is sent once the run completed");
            await using (var store = new SqliteCheckpointStore(temp.File("state.db")))
            {
                (await store.GetRunAsync(runKey, CancellationToken.None))!.Status.Should().Be(RunStatus.Completed, "the run is completed before its notification is sent");
            }

            first.Kill(); // SIGKILL, while the request is held open
            await first.WaitForExitAsync();
            first.ExitCode.Should().Be(137);
        }

        await using (var store = new SqliteCheckpointStore(temp.File("state.db")))
        {
            (await store.GetRunAsync(runKey, CancellationToken.None))!.Status.Should().Be(RunStatus.Completed, "a kill during delivery never makes the completed run incomplete");
            var pending = await store.GetNotificationAsync(runKey, CancellationToken.None);
            pending.Should().NotBeNull();
            pending!.IsPending.Should().BeTrue("the delivery never finished");
        }

        var rerun = await TestHostProcess.RunAsync(args);

        rerun.ExitCode.Should().Be(0, rerun.Output + rerun.Error);
        rerun.Output.Should().Contain("status=Completed already=True pending=False read=600 written=600");
        var requests = receiver.Requests.ToList();
        requests.Should().HaveCount(2, "the held delivery and the rerun's delivery, nothing more");
        requests.Select(r => r.IdempotencyKey).Distinct().Should().ContainSingle().Which.Should().Be(runKey + ":1", "the rerun delivers the same event, under the same key");
        requests.Should().OnlyContain(r => r.EventId == r.IdempotencyKey && r.Method == "POST");
        requests[1].Answered.Should().Be(200);
        await using (var store = new SqliteCheckpointStore(temp.File("state.db")))
        {
            var run = await store.GetRunAsync(runKey, CancellationToken.None);
            run!.Status.Should().Be(RunStatus.Completed);
            run.Attempts.Should().Be(1, "the rerun found the run completed: a join, not an attempt");
            var delivered = await store.GetNotificationAsync(runKey, CancellationToken.None);
            delivered!.IsPending.Should().BeFalse();
            delivered.EventId.Should().Be(runKey + ":1");
        }

        Directory.EnumerateFiles(temp.File("output"), "*.jsonl", SearchOption.AllDirectories).Sum(f => File.ReadLines(f).Count()).Should().Be(600, "the output is that of one clean run");
    }
}
