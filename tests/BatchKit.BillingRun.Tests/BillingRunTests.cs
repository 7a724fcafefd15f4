using BatchKit.Tests.Support;
using BillingRun;
using BillingRun.PaymentStub;
using Xunit.Abstractions;

namespace BatchKit.BillingRun.Tests;

/// <summary>The BillingRun sample as a process against the payment stub, a real Kestrel server on 127.0.0.1 in the test process.</summary>
public sealed class BillingRunTests(ITestOutputHelper output)
{
    private const string Month = "2026-11";

    internal static List<string> Args(TempDirectory dir, PaymentStub stub, params string[] extra) =>
    [
        "--month", Month, "--accounts", dir.File("accounts.db"), "--payments", stub.BaseAddress.ToString(), "--state", dir.File("state/state.db"),
        "--ledger", dir.File("ledger"), "--lease-seconds", "3", .. extra,
    ];

    [Fact]
    public async Task Run_Clean_ChargesEveryAccountOnceAndTheLedgerMatches()
    {
        const int Accounts = 1200;
        using var dir = new TempDirectory();
        // Every 9th key's first request is answered 503: the Polly retry repeats it with the same key.
        await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions { FailEvery = 9 });

        var run = await ChildProcess.RunAsync(ChildProcess.Billing, Args(dir, stub, "--generate", $"{Accounts}", "--decline-every", "400"));
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(0, run.ToString());
        stub.Stats.InjectedFailures.Should().BeGreaterThan(100, "the stub failed every 9th key once");
        var charges = stub.Charges();
        var declined = new long[] { 400, 800, 1200 };
        charges.Select(c => c.AccountId).Order().Should().Equal(Enumerable.Range(1, Accounts).Select(i => (long)i).Except(declined), "every account with a good card is charged, none twice");
        charges.Should().OnlyContain(c => c.AmountCents == SqliteAccounts.Amount(c.AccountId) && c.Currency == "EUR");

        var ledger = Ledger.Read(dir.File("ledger"), Month);
        ledger.Select(l => (l.AccountId, l.AmountCents, l.ChargeId, l.IdempotencyKey)).Order()
            .Should().Equal(charges.Select(c => (c.AccountId, c.AmountCents, c.Id, c.IdempotencyKey)).Order(), "the ledger has one line per charge, with the API's charge id");
        run.Output.Should().Contain($"accounts={Accounts} charged={Accounts - declined.Length} in_doubt=0 errors={declined.Length} charged_now={Accounts - declined.Length}");
    }

    [Fact]
    public async Task Run_DeclinedCard_IsAnErrorRecordNamingTheAccountAndIsNotRetried()
    {
        using var dir = new TempDirectory();
        await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions());

        var run = await ChildProcess.RunAsync(ChildProcess.Billing, Args(dir, stub, "--generate", "300", "--decline-every", "100", "--partitions", "3"));
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(0, "declined cards are error records of a completed run: " + run);
        stub.Stats.Declines.Should().Be(3);
        stub.RequestsPerKey().Values.Should().OnlyContain(n => n == 1, "a declined charge is not retried, and no other charge needed a retry");
        stub.Stats.Requests.Should().Be(300, "one request per account");
        stub.Charges().Select(c => c.AccountId).Should().NotContain([100L, 200L, 300L]);

        await using var store = new SqliteCheckpointStore(dir.File("state/state.db"));
        var runKey = new RunKey("billing-run", RunParameters.Of("month", Month));
        var errors = await store.QueryErrorsAsync(new ErrorQuery(runKey.Value), CancellationToken.None);
        errors.Should().HaveCount(3);
        foreach (var account in new[] { 100, 200, 300 })
        {
            var error = errors.Should().ContainSingle(e => e.Reason.StartsWith($"Account {account}:", StringComparison.Ordinal)).Subject;
            error.Step.Should().Be("charge");
            error.Reason.Should().Contain("402 card_declined");
            error.RawPayload.Should().Contain($"\"Id\":{account}");
        }

        run.Lines("error:").Should().HaveCount(3).And.Contain(l => l.Contains("Account 200:", StringComparison.Ordinal));
        Ledger.Read(dir.File("ledger"), Month).Select(l => l.AccountId).Should().HaveCount(297).And.NotContain([100L, 200L, 300L]);
    }

    [Fact]
    public async Task Run_CompletedMonthAgain_ChargesNothing()
    {
        using var dir = new TempDirectory();
        await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions());
        var args = Args(dir, stub, "--generate", "400", "--decline-every", "0");
        var first = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        first.ExitCode.Should().Be(0, first.ToString());
        var requests = stub.Stats.Requests;
        var ledger = Ledger.Read(dir.File("ledger"), Month);

        var again = await ChildProcess.RunAsync(ChildProcess.Billing, args);
        output.WriteLine(again.ToString());

        again.ExitCode.Should().Be(0, again.ToString());
        again.Output.Should().Contain("already completed: nothing to charge").And.Contain("charged_now=0");
        stub.Stats.Requests.Should().Be(requests, "a completed month sends no request at all");
        stub.Charges().Should().HaveCount(400);
        Ledger.Read(dir.File("ledger"), Month).OrderBy(l => l.AccountId).Should().Equal(ledger.OrderBy(l => l.AccountId));
    }

    [Fact]
    public async Task Run_NextMonth_IsAnotherRunWithOtherKeys()
    {
        using var dir = new TempDirectory();
        await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions());
        var november = await ChildProcess.RunAsync(ChildProcess.Billing, Args(dir, stub, "--generate", "100", "--decline-every", "0"));
        november.ExitCode.Should().Be(0, november.ToString());

        var december = await ChildProcess.RunAsync(ChildProcess.Billing, [.. Args(dir, stub, "--generate", "100", "--decline-every", "0"), "--month", "2026-12"]);

        december.ExitCode.Should().Be(0, december.ToString());
        stub.Charges().Should().HaveCount(200, "each account is charged once per month");
        stub.Charges().GroupBy(c => c.AccountId).Should().OnlyContain(g => g.Select(c => c.IdempotencyKey).Distinct().Count() == 2);
        Ledger.Read(dir.File("ledger"), "2026-12").Should().HaveCount(100);
    }

    [Fact]
    public async Task Run_BadMonth_FailsAtOnceWithUsage()
    {
        var run = await ChildProcess.RunAsync(ChildProcess.Billing, ["--month", "2026-13"]);

        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("--month expects a month as yyyy-MM (for example 2026-11), found '2026-13'");
    }
}
