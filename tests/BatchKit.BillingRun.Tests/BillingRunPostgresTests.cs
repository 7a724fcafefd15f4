using BatchKit.Testing.Services;
using BatchKit.Tests.Support;
using BillingRun.PaymentStub;
using Npgsql;
using Xunit.Abstractions;

namespace BatchKit.BillingRun.Tests;

/// <summary>The accounts in a PostgreSQL table (a schema of its own, dropped after), read by PostgresSource key ranges.</summary>
public sealed class BillingRunPostgresTests(ITestOutputHelper output)
{
    private const string Month = "2026-11";

    [Fact]
    public async Task Run_AccountsInPostgres_ChargesEachAccountOnceAndResolvesADoubtAndTheLedgerMatches()
    {
        const int Accounts = 600;
        var schema = "billing_" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(TestServices.PostgresConnectionString);
        await Exec(dataSource, $"CREATE SCHEMA {schema}; CREATE TABLE {schema}.accounts (id bigint PRIMARY KEY, email text NOT NULL, amount_cents bigint NOT NULL, currency text NOT NULL, card text NOT NULL)");
        try
        {
            // Sparse ids (3, 6, 9, …): the partitions are ranges of the key, not of row numbers. Account 300 is declined.
            await Exec(dataSource, $"""
                INSERT INTO {schema}.accounts (id, email, amount_cents, currency, card)
                SELECT i * 3, 'pg-' || i || '@example.test', 1000 + i, 'USD', CASE WHEN i = 100 THEN '{PaymentStub.DeclinedCard}' ELSE 'tok_pg_' || i END
                FROM generate_series(1, {Accounts}) AS i
                """);
            using var dir = new TempDirectory();
            await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions { FailEvery = 13 });
            stub.Stall(903, StallMode.AfterCharge); // charged, but the answer is lost: in doubt
            string[] args =
            [
                "--month", Month, "--accounts", TestServices.PostgresConnectionString, "--accounts-table", $"{schema}.accounts", "--partitions", "5",
                "--payments", stub.BaseAddress.ToString(), "--state", dir.File("state.db"), "--ledger", dir.File("ledger"), "--timeout-ms", "2000", "--retries", "2",
            ];

            var run = await ChildProcess.RunAsync(ChildProcess.Billing, args);
            output.WriteLine(run.ToString());

            run.ExitCode.Should().Be(3, run.ToString());
            var doubt = run.Lines("in doubt:").Should().ContainSingle().Subject;
            ChildProcess.Run.Field(doubt, "account").Should().Be("903", "the key is mapped back to its account by reading the PostgreSQL partition again");
            run.Lines("error:").Should().ContainSingle().Which.Should().Contain("Account 300:").And.Contain("card_declined");
            var runId = ChildProcess.Run.Field(run.Lines("billing: month=").Single(), "run");
            var resolve = await ChildProcess.RunAsync(ChildProcess.Cli, ["resolve", runId, ChildProcess.Run.Field(doubt, "key"), "--happened", "--store", dir.File("state.db")]);
            resolve.ExitCode.Should().Be(0, resolve.ToString());
            stub.ClearStalls();

            var rerun = await ChildProcess.RunAsync(ChildProcess.Billing, args);
            output.WriteLine(rerun.ToString());

            rerun.ExitCode.Should().Be(0, rerun.ToString());
            rerun.Output.Should().Contain("charged_now=0");
            var expected = Enumerable.Range(1, Accounts).Where(i => i != 100).Select(i => (AccountId: 3L * i, AmountCents: 1000L + i)).ToList();
            var charges = stub.Charges();
            charges.Select(c => (c.AccountId, c.AmountCents)).Order().Should().Equal(expected, "every account with a good card is charged once, for its amount");
            charges.Should().OnlyContain(c => c.Currency == "USD");
            Ledger.Read(dir.File("ledger"), Month).Select(l => (l.AccountId, l.ChargeId)).Order().Should().Equal(charges.Select(c => (c.AccountId, c.Id)).Order());
            Directory.GetFiles(Path.Combine(dir.File("ledger"), "month=" + Month), "*.csv").Should().HaveCount(5);
        }
        finally
        {
            await Exec(dataSource, $"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }
    }

    private static async Task Exec(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
