using BatchKit.Tests.Support;
using BillingRun.PaymentStub;
using Xunit.Abstractions;

namespace BatchKit.BillingRun.Tests;

/// <summary>Kills and lost answers: every account is charged exactly once, or reported in doubt and resolved with the batchkit tool.</summary>
public sealed class BillingRunInDoubtTests(ITestOutputHelper output)
{
    private const string Month = "2026-11";

    [Fact]
    public async Task Run_KilledMidRunAndRerun_ChargesEachAccountOnceOrReportsItInDoubt()
    {
        const int Accounts = 3000;
        const int Parallelism = 4;
        using var dir = new TempDirectory();
        await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions { Latency = TimeSpan.FromMilliseconds(3) });
        var args = BillingRunTests.Args(dir, stub, "--generate", $"{Accounts}", "--decline-every", "0", "--parallelism", $"{Parallelism}", "--partitions", "12", "--commit-interval", "20");

        using (var first = ChildProcess.Start(ChildProcess.Billing, args))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (stub.Stats.Charges < Accounts / 5 && !first.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            first.HasExited.Should().BeFalse($"the first run is killed while charging; it exited with {(first.HasExited ? first.ExitCode : 0)}: {(first.HasExited ? await first.StandardOutput.ReadToEndAsync() + await first.StandardError.ReadToEndAsync() : string.Empty)}");
            first.Kill(entireProcessTree: true); // SIGKILL: no chance to confirm the charges in flight
            await first.WaitForExitAsync();
        }

        var atKill = stub.Stats.Charges;
        output.WriteLine($"killed after {atKill} charges");
        atKill.Should().BeLessThan(Accounts, "the run was killed before it charged everyone");

        var rerun = await RerunAsync(args);
        rerun.ExitCode.Should().BeOneOf([0, 3], "the rerun completes, with or without charges in doubt: " + rerun);
        var doubts = rerun.Lines("in doubt:");
        doubts.Count.Should().BeLessThanOrEqualTo(Parallelism, "only the charges in flight when the process died can be in doubt");
        rerun.Output.Should().Contain($"in_doubt={doubts.Count}");
        var inDoubt = doubts.ToDictionary(l => ChildProcess.Run.Field(l, "key"), l => long.Parse(ChildProcess.Run.Field(l, "account"), System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

        var charges = stub.Charges();
        charges.Select(c => c.AccountId).Should().OnlyHaveUniqueItems("no account is charged twice across the kill");
        var uncharged = Enumerable.Range(1, Accounts).Select(i => (long)i).Except(charges.Select(c => c.AccountId)).ToList();
        uncharged.Should().BeSubsetOf(inDoubt.Values, "an account without a charge is reported in doubt");
        output.WriteLine($"charged {charges.Count}, in doubt {inDoubt.Count} ({inDoubt.Values.Count(a => !uncharged.Contains(a))} of them charged)");

        // Resolve each doubt with the batchkit tool from what the payment API says about its key, then run again.
        var runId = ChildProcess.Run.Field(rerun.Lines("billing: month=").Single(), "run");
        foreach (var (key, account) in inDoubt)
        {
            var happened = !uncharged.Contains(account);
            var resolve = await ChildProcess.RunAsync(ChildProcess.Cli, ["resolve", runId, key, happened ? "--happened" : "--not-happened", "--store", dir.File("state/state.db")]);
            resolve.ExitCode.Should().Be(0, resolve.ToString());
        }

        var final = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        output.WriteLine(final.ToString());
        final.ExitCode.Should().Be(0, final.ToString());
        AssertEveryAccountChargedOnce(stub, dir, Accounts);

        var again = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        again.Output.Should().Contain("charged_now=0");
        stub.Charges().Should().HaveCount(Accounts, "a completed month charges nothing more");
    }

    [Fact]
    public async Task Run_AnswersLost_ReportsInDoubtAndRerunAfterResolvingChargesEachOnce()
    {
        const int Accounts = 200;
        using var dir = new TempDirectory();
        await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions());
        stub.Stall(7, StallMode.AfterCharge);    // charged, but the answer never arrives
        stub.Stall(150, StallMode.BeforeCharge); // never charged, and no answer either
        var args = BillingRunTests.Args(dir, stub, "--generate", $"{Accounts}", "--decline-every", "0", "--partitions", "4", "--timeout-ms", "2000", "--retries", "2");

        var first = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        output.WriteLine(first.ToString());

        first.ExitCode.Should().Be(3, "two charges are in doubt: " + first);
        var doubts = first.Lines("in doubt:").ToDictionary(l => long.Parse(ChildProcess.Run.Field(l, "account"), System.Globalization.CultureInfo.InvariantCulture), l => ChildProcess.Run.Field(l, "key"));
        doubts.Keys.Should().BeEquivalentTo([7L, 150L]);
        stub.Charges().Select(c => c.AccountId).Should().Contain(7).And.NotContain(150).And.HaveCount(Accounts - 1);
        Ledger.Read(dir.File("ledger"), Month).Select(l => l.AccountId).Should().NotContain([7L, 150L]).And.HaveCount(Accounts - 2);

        var runId = ChildProcess.Run.Field(first.Lines("billing: month=").Single(), "run");
        var store = dir.File("state/state.db");
        var listed = await ChildProcess.RunAsync(ChildProcess.Cli, ["in-doubt", runId, "--store", store]);
        listed.ExitCode.Should().Be(0, listed.ToString());
        listed.Output.Should().Contain(doubts[7]).And.Contain(doubts[150]);

        var unresolved = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        unresolved.ExitCode.Should().Be(3, "until the doubts are resolved a rerun only reports them: " + unresolved);
        stub.Charges().Should().HaveCount(Accounts - 1);

        stub.ClearStalls();
        (await ChildProcess.RunAsync(ChildProcess.Cli, ["resolve", runId, doubts[7], "--happened", "--store", store])).ExitCode.Should().Be(0);
        (await ChildProcess.RunAsync(ChildProcess.Cli, ["resolve", runId, doubts[150], "--not-happened", "--store", store])).ExitCode.Should().Be(0);

        var resolved = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        output.WriteLine(resolved.ToString());

        resolved.ExitCode.Should().Be(0, resolved.ToString());
        resolved.Output.Should().Contain("charged_now=1", "only the charge that did not happen is made");
        AssertEveryAccountChargedOnce(stub, dir, Accounts);
        stub.RequestsPerKey()[doubts[150]].Should().Be(1, "the stalled request before the charge never created the charge");
    }

    [Fact]
    public async Task Run_InDoubtResolvedInAPartitionWithDeclinedCards_ReplaysTheDeclinesWithoutASecondErrorRecord()
    {
        const int Accounts = 200;
        using var dir = new TempDirectory();
        await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions());
        stub.Stall(7, StallMode.AfterCharge); // charged, but the answer never arrives: partition 1 (accounts 1..50) has a doubt
        var args = BillingRunTests.Args(dir, stub, "--generate", $"{Accounts}", "--decline-every", "25", "--partitions", "4", "--timeout-ms", "2000", "--retries", "2");

        var first = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        output.WriteLine(first.ToString());
        first.ExitCode.Should().Be(3, first.ToString());
        var key = ChildProcess.Run.Field(first.Lines("in doubt:").Single(), "key");
        var runId = ChildProcess.Run.Field(first.Lines("billing: month=").Single(), "run");
        stub.ClearStalls();
        (await ChildProcess.RunAsync(ChildProcess.Cli, ["resolve", runId, key, "--happened", "--store", dir.File("state/state.db")])).ExitCode.Should().Be(0);

        var resolved = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        output.WriteLine(resolved.ToString());

        resolved.ExitCode.Should().Be(0, resolved.ToString());
        var declinedInDoubtPartition = new[] { 25L, 50L };
        var requests = stub.RequestsPerKey();
        var runKey = new RunKey("billing-run", RunParameters.Of("month", Month));
        await using var store = new SqliteCheckpointStore(dir.File("state/state.db"));
        var errors = await store.QueryErrorsAsync(new ErrorQuery(runKey.Value), CancellationToken.None);
        errors.Should().HaveCount(Accounts / 25, "one error record per declined account, also for the declines the resolved partition sent again");
        foreach (var account in declinedInDoubtPartition)
        {
            errors.Should().ContainSingle(e => e.Reason.StartsWith($"Account {account}:", StringComparison.Ordinal)).Which.Reason.Should().Contain("402 card_declined");
        }

        errors.Select(e => (e.PartitionId, e.Step, e.Offset)).Should().OnlyHaveUniqueItems();
        requests.Values.Should().Contain(2, "the reprocessed partition sent its declined cards again (the stub replays the 402)");
        stub.Stats.Declines.Should().Be(Accounts / 25, "a replayed decline is not a new decline");
        resolved.Output.Should().Contain($"errors={Accounts / 25}");
        AssertEveryGoodAccountChargedOnce(stub, Accounts);
    }

    private static void AssertEveryGoodAccountChargedOnce(PaymentStub stub, int accounts) =>
        stub.Charges().Select(c => c.AccountId).Order().Should().Equal(Enumerable.Range(1, accounts).Where(i => i % 25 != 0).Select(i => (long)i), "every good card is charged once");

    internal static void AssertEveryAccountChargedOnce(PaymentStub stub, TempDirectory dir, int accounts)
    {
        var charges = stub.Charges();
        charges.Select(c => c.AccountId).Order().Should().Equal(Enumerable.Range(1, accounts).Select(i => (long)i), "every account is charged, none twice");
        Ledger.Read(dir.File("ledger"), Month).Select(l => (l.AccountId, l.ChargeId)).Order()
            .Should().Equal(charges.Select(c => (c.AccountId, c.Id)).Order(), "the ledger has one line per charge, with the API's charge id");
    }

    private async Task<ChildProcess.Run> RerunAsync(IReadOnlyList<string> args)
    {
        ChildProcess.Run rerun;
        var attempts = 0;
        do
        {
            rerun = await ChildProcess.RunAsync(ChildProcess.Billing, args);
            output.WriteLine($"rerun: {rerun}");
        }
        while (rerun.ExitCode is not (0 or 3) && ++attempts < 3);
        return rerun;
    }
}
