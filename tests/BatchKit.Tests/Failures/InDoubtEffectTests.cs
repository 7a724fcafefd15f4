using System.Collections.Concurrent;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

public sealed class InDoubtEffectTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task RunAsync_EffectWithUnknownOutcome_IsCountedPersistedAndResolvable()
    {
        using var temp = new TempDirectory();
        var performed = new ConcurrentQueue<long>();
        var notPerformedOnce = 1;
        var unknownOnce = 1;
        var sink = new CollectingSink<Item>();
        Job Build(SqliteCheckpointStore store) => Job.Create("emails")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(50)))
            .AddSideEffect(i => i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), (item, _, _) =>
            {
                if (item.Id == 7 && Interlocked.Exchange(ref unknownOnce, 0) == 1)
                {
                    throw new TimeoutException("the mail server did not answer");
                }

                if (item.Id == 9 && Interlocked.Exchange(ref notPerformedOnce, 0) == 1)
                {
                    throw new EffectNotPerformedException("the mail server refused the connection");
                }

                performed.Enqueue(item.Id);
                return ValueTask.CompletedTask;
            })
            .WriteTo(sink)
            .WithCommitInterval(10)
            .Configure(o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1))
            .UseCheckpointStore(store)
            .Build();

        RunResult first;
        await using (var store = new SqliteCheckpointStore(temp.File("state.db")))
        {
            first = await new JobRunner(Build(store)).RunAsync(Date);
        }

        first.Status.Should().Be(RunStatus.CompletedWithDoubts);
        first.Succeeded.Should().BeFalse();
        first.RecordsRead.Should().Be(50);
        first.RecordsWritten.Should().Be(49);
        first.InDoubt.Should().Be(1);
        first.Errors.Should().Be(0);
        performed.Should().Contain(9, "an effect that says it was not performed is released and retried");
        performed.Should().NotContain(7);

        await using (var store = new SqliteCheckpointStore(temp.File("state.db")))
        {
            var again = await new JobRunner(Build(store)).RunAsync(Date);
            again.Status.Should().Be(RunStatus.CompletedWithDoubts, "the doubt survives a reopen until it is resolved");
            again.InDoubt.Should().Be(1);
            performed.Should().NotContain(7, "an unresolved effect is never repeated");

            var doubts = await store.ListInDoubtEffectsAsync(first.RunKey.Value, CancellationToken.None);
            doubts.Should().ContainSingle();
            await store.ResolveInDoubtEffectAsync(first.RunKey.Value, doubts[0].Key, happened: false, CancellationToken.None);

            var resolved = await new JobRunner(Build(store)).RunAsync(Date);
            resolved.Status.Should().Be(RunStatus.Completed);
            resolved.InDoubt.Should().Be(0);
            performed.Count(id => id == 7).Should().Be(1, "the effect released by the resolution ran once");
            performed.Count(id => id != 7).Should().Be(49, "the effects that were confirmed are not repeated");
            sink.Records.Select(r => r.Id).Should().Contain(7);
        }
    }
}
