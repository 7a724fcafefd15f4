using BatchKit.Tests.Support;
using BillingRun;
using Microsoft.Data.Sqlite;

namespace BatchKit.BillingRun.Tests;

public sealed class SqliteAccountSourceTests
{
    private static readonly RunKey Run = new("billing-run", RunParameters.Of("month", "2026-11"));

    [Fact]
    public async Task EnsureAsync_NewFile_GeneratesAccountsOnceAndTheKeyRangesCoverThem()
    {
        using var dir = new TempDirectory();
        var path = dir.File("accounts.db");

        (await SqliteAccounts.EnsureAsync(path, 1000, 250, CancellationToken.None)).Should().BeTrue();
        (await SqliteAccounts.EnsureAsync(path, 5, 0, CancellationToken.None)).Should().BeFalse("an existing file is kept");

        var source = new SqliteAccountSource(path, pageSize: 64);
        (await source.GetKeyBoundsAsync(CancellationToken.None)).Should().Be((1L, 1000L));
        var partitions = await (await source.CreateKeyRangePartitionerAsync(7, CancellationToken.None)).PlanAsync(new PartitionPlanContext(Run), CancellationToken.None);
        var all = new List<Account>();
        foreach (var partition in partitions)
        {
            all.AddRange(await ReadAllAsync(source, partition, 0, []));
        }

        all.Select(a => a.Id).Should().Equal(Enumerable.Range(1, 1000).Select(i => (long)i), "the ranges cover every id once, in order");
        all.Where(a => a.Card == global::BillingRun.PaymentStub.PaymentStub.DeclinedCard).Select(a => a.Id).Should().Equal(250, 500, 750, 1000);
        all[41].Should().Be(new Account(42, "account-000042@example.test", SqliteAccounts.Amount(42), "EUR", "tok_visa_000042"));
    }

    [Fact]
    public async Task OpenAsync_AtASavedPosition_ContinuesWithTheNextAccount()
    {
        using var dir = new TempDirectory();
        var path = dir.File("accounts.db");
        await SqliteAccounts.EnsureAsync(path, 100, 0, CancellationToken.None);
        var source = new SqliteAccountSource(path, pageSize: 7);
        var partition = new Partition(0, "keys-0000", PartitionDescriptor.Keys(21, 61));

        long position;
        await using (var reader = await source.OpenAsync(new SourceContext(Run, partition, 0), CancellationToken.None))
        {
            var buffer = new Account[15];
            (await reader.ReadAsync(buffer, CancellationToken.None)).Should().Be(15);
            buffer[^1].Id.Should().Be(35);
            position = reader.Position;
        }

        var rest = await ReadAllAsync(source, partition, position, []);
        rest.Select(a => a.Id).Should().Equal(Enumerable.Range(36, 25).Select(i => (long)i), "the range is [21, 61) and 21..35 were read");
    }

    [Fact]
    public async Task ReadAsync_BadRow_IsReportedNamingFileTableIdColumnExpectedAndFound()
    {
        using var dir = new TempDirectory();
        var path = dir.File("accounts.db");
        await SqliteAccounts.EnsureAsync(path, 10, 0, CancellationToken.None);
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // SQLite keeps what it is given: a text amount in an INTEGER column.
            command.CommandText = "UPDATE accounts SET amount_cents = 'twelve' WHERE id = 4";
            await command.ExecuteNonQueryAsync();
        }

        var bad = new List<ErrorRecordDraft>();
        var accounts = await ReadAllAsync(new SqliteAccountSource(path), new Partition(0, "keys-0000", PartitionDescriptor.Keys(1, 11)), 0, bad);

        accounts.Select(a => a.Id).Should().Equal(1, 2, 3, 5, 6, 7, 8, 9, 10);
        var draft = bad.Should().ContainSingle().Subject;
        draft.Offset.Should().Be(4);
        draft.Reason.Should().Be($"'{path}' table accounts, id = 4, column amount_cents: expected a whole number, found the text 'twelve'");
        draft.RawPayload.Should().Contain("amount_cents=twelve");
    }

    [Fact]
    public async Task OpenAsync_MissingFile_SaysWhichFile()
    {
        using var dir = new TempDirectory();
        var source = new SqliteAccountSource(dir.File("nope.db"));

        var act = () => source.GetKeyBoundsAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<FileNotFoundException>()).WithMessage($"The accounts file '{dir.File("nope.db")}' does not exist.");
    }

    private static async Task<List<Account>> ReadAllAsync(SqliteAccountSource source, Partition partition, long position, List<ErrorRecordDraft> bad)
    {
        var all = new List<Account>();
        await using var reader = await source.OpenAsync(new SourceContext(Run, partition, position, bad.Add), CancellationToken.None);
        var buffer = new Account[10];
        int n;
        while ((n = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return all;
    }
}
