using System.Text.Json;
using BatchKit.Tests.Support;
using Microsoft.Data.Sqlite;

namespace BatchKit.Tests.Failures;

public sealed class IdempotencyGuardTests
{
    [Fact]
    public async Task Effects_ProcessKilledBetweenEffectAndConfirm_NoEffectRepeatsUnreported()
    {
        using var dir = new TempDirectory();
        var state = dir.File("state.db");
        var counter = dir.File("counter.db");

        var crashed = await TestHostProcess.RunAsync("effects", "--state", state, "--counter", counter, "--count", "50", "--crash-on", "23", "--lease-s", "1");
        crashed.ExitCode.Should().NotBe(0, "the process died between the effect of record 23 and its confirmation");
        await Task.Delay(TimeSpan.FromMilliseconds(200));

        // The dead process's lease (1 s here) must expire before the rerun can take it over.
        var rerun = await RerunUntilLeaseFreeAsync("effects", "--state", state, "--counter", counter, "--count", "50");
        rerun.ExitCode.Should().Be(0, rerun.Output + rerun.Error);
        rerun.Output.Should().Contain("in_doubt=1").And.Contain("status=CompletedWithDoubts");

        var times = ReadCounter(counter);
        times.Should().HaveCount(50, "every record's effect happened");
        times.Where(t => t.Value > 1).Should().BeEmpty("no effect happened twice");
        var inDoubtKeys = JsonSerializer.Deserialize<string[]>(rerun.Output.Split('\n').Single(l => l.StartsWith("in_doubt_keys=", StringComparison.Ordinal))["in_doubt_keys=".Length..].Trim())!;
        inDoubtKeys.Should().ContainSingle().Which.Should().Be(KeyOf(counter, 23), "the in-doubt effect is the one whose confirmation was lost, reported with the key sent downstream");

        var again = await TestHostProcess.RunAsync("effects", "--state", state, "--counter", counter, "--count", "50");
        again.ExitCode.Should().Be(0);
        ReadCounter(counter).Values.Should().OnlyContain(t => t == 1, "a completed run is a no-op");
    }

    [Fact]
    public async Task ExecuteAsync_SecondAttempt_SkipsConfirmedEffects()
    {
        await using var store = new InMemoryCheckpointStore();
        var effects = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var items = Items.Create(100);
        var failAt = 60;
        var job = Job.Create("guarded")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .AddSideEffect(i => i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), (item, key, _) =>
            {
                effects.AddOrUpdate(key, 1, (_, n) => n + 1);
                return ValueTask.CompletedTask;
            })
            .WriteTo(new CollectingSink<Item> { BeforeWrite = chunk => Volatile.Read(ref failAt) > 0 && chunk == 4 ? throw new InvalidDataException("ledger down") : ValueTask.CompletedTask })
            .WithCommitInterval(20)
            .Configure(o => o.MaxPartitionAttempts = 1)
            .UseCheckpointStore(store)
            .Build();

        var first = await new JobRunner(job).RunAsync(RunParameters.Of("date", "2026-11-22"));
        first.Status.Should().Be(RunStatus.Failed);
        Volatile.Write(ref failAt, 0);
        var second = await new JobRunner(job).RunAsync(RunParameters.Of("date", "2026-11-22"));

        second.Status.Should().Be(RunStatus.Completed);
        effects.Should().HaveCount(100);
        effects.Values.Should().OnlyContain(n => n == 1, "effects confirmed by the failed attempt were not repeated when chunk 4 was replayed");
        (await store.ListInDoubtEffectsAsync(second.RunKey.Value, default)).Should().BeEmpty();
    }

    [Fact]
    public void DeriveKey_IsStableAndDependsOnRunPartitionAndRecord()
    {
        var run = new RunKey("billing", RunParameters.Of("month", "2026-11"));
        var key = IdempotencyGuard.DeriveKey(run, "p1", "invoice-7");

        key.Should().HaveLength(32).And.MatchRegex("^[0-9a-f]+$");
        IdempotencyGuard.DeriveKey(new RunKey("billing", RunParameters.Of("month", "2026-11")), "p1", "invoice-7").Should().Be(key);
        IdempotencyGuard.DeriveKey(run, "p2", "invoice-7").Should().NotBe(key);
        IdempotencyGuard.DeriveKey(run, "p1", "invoice-8").Should().NotBe(key);
        IdempotencyGuard.DeriveKey(new RunKey("billing", RunParameters.Of("month", "2026-12")), "p1", "invoice-7").Should().NotBe(key);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RerunUntilLeaseFreeAsync(params string[] args)
    {
        for (var i = 0; ; i++)
        {
            var result = await TestHostProcess.RunAsync(args);
            if (result.ExitCode != 3 || i == 40)
            {
                return result;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static Dictionary<long, long> ReadCounter(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, times FROM effects";
        using var reader = command.ExecuteReader();
        var result = new Dictionary<long, long>();
        while (reader.Read())
        {
            result[reader.GetInt64(0)] = reader.GetInt64(1);
        }

        return result;
    }

    private static string KeyOf(string counter, long id)
    {
        using var connection = new SqliteConnection($"Data Source={counter};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT idem_key FROM effects WHERE id = {id}";
        return (string)command.ExecuteScalar()!;
    }
}
