using System.Globalization;
using System.Text;
using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>
/// Reads one key range <c>[start, end)</c> page by page with keyset pagination
/// (<c>WHERE key &gt; @last AND key &lt;= @hi ORDER BY key LIMIT @n</c>); a connection is held only while a page is read.
/// The position is the last key read, counted from <c>start - 1</c>, so 0 is the start of the range.
/// </summary>
internal sealed class KeyRangeReader<T>(SourceCore<T> core, SourceContext context, long start, long end) : ISourceReader<T>
{
    private readonly Queue<(long Key, T Record)> _page = new();
    private long _lastRead = start - 1 + context.Position;
    private bool _exhausted = start >= end;

    public long Position { get; private set; } = context.Position;

    public async ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
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

                await ReadPageAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var (key, record) = _page.Dequeue();
            buffer.Span[count++] = record;
            Position = key - (start - 1);
        }

        return count;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task ReadPageAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await core.ReadSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = Pg.Command(connection, core.PageSql, ("bk_last", _lastRead), ("bk_hi", end - 1), ("bk_limit", core.PageSize));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var keyOrdinal = core.KeyOrdinal(reader);
            var map = core.Mapper(reader);
            var rows = 0;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows++;
                var key = Convert.ToInt64(reader.GetValue(keyOrdinal), CultureInfo.InvariantCulture);
                _lastRead = key;
                T record;
                try
                {
                    record = map(reader);
                }
                catch (Exception e) when (e is InvalidDataException or InvalidCastException or FormatException or OverflowException or ArgumentException or NullReferenceException)
                {
                    // The record is skipped and stored as an error record; its key still advances the position.
                    context.ReportBadRecord(
                        key - (start - 1),
                        Describe(reader),
                        $"Table '{core.Table}', {core.KeyColumn} = {key.ToString(CultureInfo.InvariantCulture)}: {e.Message}",
                        e);
                    Position = key - (start - 1);
                    continue;
                }

                _page.Enqueue((key, record));
            }

            _exhausted = rows < core.PageSize || _lastRead >= end - 1;
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BatchKitException(
                $"PostgreSQL source table '{core.Table}' on {core.Server} could not read partition '{context.Partition.Id}' after {core.KeyColumn} = {_lastRead.ToString(CultureInfo.InvariantCulture)}: {e.Message}",
                e)
            {
                JobName = context.RunKey.JobName,
                PartitionId = context.Partition.Id,
                IsTransient = Transient.Is(e),
            };
        }
    }

    private static string Describe(NpgsqlDataReader reader)
    {
        var text = new StringBuilder();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(reader.GetName(i)).Append('=');
            text.Append(reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
