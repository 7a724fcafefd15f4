using System.Globalization;
using Microsoft.Data.Sqlite;

namespace BillingRun;

/// <summary>The embedded default: a SQLite file with an <c>accounts</c> table, generated on first run.</summary>
public static class SqliteAccounts
{
    /// <summary>The card of account <paramref name="id"/> in a generated file.</summary>
    public static string Card(long id, int declineEvery) =>
        declineEvery > 0 && id % declineEvery == 0 ? BillingRun.PaymentStub.PaymentStub.DeclinedCard : string.Create(CultureInfo.InvariantCulture, $"tok_visa_{id:D6}");

    /// <summary>The amount due of account <paramref name="id"/> in a generated file: 5.00 to 99.99.</summary>
    public static long Amount(long id) => 500 + (id * 7919 % 9500);

    /// <summary>Creates <paramref name="path"/> with accounts 1 to <paramref name="count"/> unless it exists; the file appears complete or not at all.</summary>
    /// <returns><see langword="true"/> if the file was created.</returns>
    public static async Task<bool> EnsureAsync(string path, int count, int declineEvery, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".creating";
        File.Delete(temp);
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temp, Pooling = false }.ToString()))
        {
            await connection.OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, amount_cents INTEGER NOT NULL, currency TEXT NOT NULL, card TEXT NOT NULL)";
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO accounts (id, email, amount_cents, currency, card) VALUES ($id, $email, $amount, 'EUR', $card)";
            var id = insert.Parameters.Add("$id", SqliteType.Integer);
            var email = insert.Parameters.Add("$email", SqliteType.Text);
            var amount = insert.Parameters.Add("$amount", SqliteType.Integer);
            var card = insert.Parameters.Add("$card", SqliteType.Text);
            for (long i = 1; i <= count; i++)
            {
                id.Value = i;
                email.Value = string.Create(CultureInfo.InvariantCulture, $"account-{i:D6}@example.test");
                amount.Value = Amount(i);
                card.Value = Card(i, declineEvery);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        File.Move(temp, path);
        return true;
    }
}
