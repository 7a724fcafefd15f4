using System.Globalization;
using BatchKit;
using Microsoft.Data.Sqlite;

namespace BillingRun;

/// <summary>
/// Reads the accounts table of a SQLite file by ranges of its integer key <c>id</c>: each partition is a key range
/// (<see cref="PartitionDescriptor.Keys"/>, <c>[start, end)</c>), read in pages with keyset pagination. The position is
/// the last key read, counted from <c>start - 1</c> (0 is the start of the range), like BatchKit's PostgreSQL source.
/// </summary>
/// <remarks>
/// A row whose columns have the wrong type (an <c>amount_cents</c> that is not a whole number, a NULL email) becomes an
/// error record naming the file, table, id, column, what was expected and what was found; it does not stop the run.
/// </remarks>
public sealed class SqliteAccountSource(string path, string table = "accounts", int pageSize = 500) : ISource<Account>
{
    private static readonly string[] Columns = ["id", "email", "amount_cents", "currency", "card"];

    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path), Mode = SqliteOpenMode.ReadOnly }.ToString();

    /// <summary>Gets the smallest and largest id, or (0, 0) for an empty table.</summary>
    public async Task<(long Min, long Max)> GetKeyBoundsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Creates the partitioner: the ids' current range <c>[min, max]</c> in up to <paramref name="partitions"/> equal key ranges.</summary>
    public async Task<IPartitioner> CreateKeyRangePartitionerAsync(int partitions, CancellationToken cancellationToken)
    {
        var (min, max) = await GetKeyBoundsAsync(cancellationToken);
        return Partitioners.KeyRanges(min, max + 1, partitions);
    }

    /// <inheritdoc/>
    public ValueTask<ISourceReader<Account>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (start, end) = PartitionDescriptor.ParseKeys(context.Partition.Descriptor);
        return ValueTask.FromResult<ISourceReader<Account>>(new Reader(this, context, start, end));
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.GetFullPath(path)))
        {
            throw new FileNotFoundException($"The accounts file '{Path.GetFullPath(path)}' does not exist.", path);
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private sealed class Reader(SqliteAccountSource source, SourceContext context, long start, long end) : ISourceReader<Account>
    {
        private readonly Queue<(long Key, Account Account)> _page = new();
        private long _lastRead = start - 1 + context.Position;
        private bool _exhausted = start >= end;

        public long Position { get; private set; } = context.Position;

        public async ValueTask<int> ReadAsync(Memory<Account> buffer, CancellationToken cancellationToken)
        {
            var count = 0;
            while (count < buffer.Length)
            {
                if (_page.Count == 0)
                {
                    if (_exhausted)
                    {
                        break;
                    }

                    await ReadPageAsync(cancellationToken);
                    continue;
                }

                var (key, account) = _page.Dequeue();
                buffer.Span[count++] = account;
                Position = key - (start - 1);
            }

            return count;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private async Task ReadPageAsync(CancellationToken cancellationToken)
        {
            await using var connection = await source.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {string.Join(", ", Columns)} FROM \"{source.Table}\" WHERE id > $last AND id < $end ORDER BY id LIMIT $limit";
            command.Parameters.AddWithValue("$last", _lastRead);
            command.Parameters.AddWithValue("$end", end);
            command.Parameters.AddWithValue("$limit", source.PageSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                rows++;
                var key = reader.GetInt64(0);
                _lastRead = key;
                if (Map(reader, key, out var account, out var problem))
                {
                    _page.Enqueue((key, account));
                    continue;
                }

                // The row is stored as an error record; its key still advances the position.
                context.ReportBadRecord(key - (start - 1), Describe(reader), problem);
                Position = key - (start - 1);
            }

            _exhausted = rows < source.PageSize;
        }

        private bool Map(SqliteDataReader reader, long key, out Account account, out string problem)
        {
            account = null!;
            problem = string.Empty;
            var where = string.Create(CultureInfo.InvariantCulture, $"'{source.FilePath}' table {source.Table}, id = {key}");
            if (Text(reader, 1, where, out var email, ref problem) && Whole(reader, 2, where, out var amount, ref problem)
                && Text(reader, 3, where, out var currency, ref problem) && Text(reader, 4, where, out var card, ref problem))
            {
                account = new Account(key, email, amount, currency, card);
                return true;
            }

            return false;
        }

        private static bool Text(SqliteDataReader reader, int ordinal, string where, out string value, ref string problem)
        {
            value = reader.IsDBNull(ordinal) ? string.Empty : reader.GetValue(ordinal) as string ?? string.Empty;
            if (value.Length > 0)
            {
                return true;
            }

            problem = $"{where}, column {Columns[ordinal]}: expected non-empty text, found {Found(reader, ordinal)}";
            return false;
        }

        private static bool Whole(SqliteDataReader reader, int ordinal, string where, out long value, ref string problem)
        {
            if (!reader.IsDBNull(ordinal) && reader.GetValue(ordinal) is long n)
            {
                value = n;
                return true;
            }

            value = 0;
            problem = $"{where}, column {Columns[ordinal]}: expected a whole number, found {Found(reader, ordinal)}";
            return false;
        }

        private static string Found(SqliteDataReader reader, int ordinal) =>
            reader.IsDBNull(ordinal) ? "NULL" : reader.GetValue(ordinal) switch
            {
                long n => string.Create(CultureInfo.InvariantCulture, $"the integer {n}"),
                double d => string.Create(CultureInfo.InvariantCulture, $"the real {d}"),
                string t => $"the text '{t}'",
                byte[] b => $"a blob of {b.Length} bytes",
                var other => $"'{other}'",
            };

        private static string Describe(SqliteDataReader reader) =>
            string.Join(", ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetName(i) + "=" + (reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
    }

    private string FilePath => Path.GetFullPath(path);

    private string Table => table;

    private int PageSize => pageSize;
}
