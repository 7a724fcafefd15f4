using System.Data.Common;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>Streams the rows of one key-range partition, in key order, from a position.</summary>
internal sealed class KeyRangeReader<T> : ISourceReader<T>
{
    private readonly TableMap<T> _map;
    private readonly SourceContext _context;
    private readonly DuckDBConnection _connection;
    private readonly DuckDBCommand _command;
    private readonly DbDataReader _reader;

    private KeyRangeReader(TableMap<T> map, SourceContext context, DuckDBConnection connection, DuckDBCommand command, DbDataReader reader)
    {
        _map = map;
        _context = context;
        _connection = connection;
        _command = command;
        _reader = reader;
        Position = context.Position;
    }

    public long Position { get; private set; }

    public static KeyRangeReader<T> Open(TableMap<T> map, string connectionString, string sql, SourceContext context, long start, long end, CancellationToken cancellationToken)
    {
        var connection = Db.Open(connectionString);
        DuckDBCommand? command = null;
        try
        {
            command = Db.Create(connection, sql, [Db.Parameter("bk_start", start), Db.Parameter("bk_end", end), Db.Parameter("bk_offset", context.Position)]);
            command.UseStreamingMode = true;
            var reader = Db.Run(command, static c => (DbDataReader)c.ExecuteReader(), cancellationToken);
            return new KeyRangeReader<T>(map, context, connection, command, reader);
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            command?.Dispose();
            connection.Dispose();
            throw new BatchKitException($"DuckDB source of {typeof(T).Name} could not read partition '{context.Partition.Id}': {e.Message}", e)
            {
                PartitionId = context.Partition.Id,
            };
        }
        catch
        {
            command?.Dispose();
            connection.Dispose();
            throw;
        }
    }

    public ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var span = buffer.Span;
        var count = 0;
        while (count < span.Length && _reader.Read())
        {
            var offset = Position++;
            try
            {
                span[count] = _map.Read(_reader);
                count++;
            }
            catch (InvalidDataException e)
            {
                _context.ReportBadRecord(offset, Describe(), $"Row {offset} of partition '{_context.Partition.Id}': {e.Message}", e);
            }
        }

        return ValueTask.FromResult(count);
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync().ConfigureAwait(false);
        await _command.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private string Describe()
    {
        var text = new StringBuilder();
        for (var i = 0; i < _map.Columns.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(_map.Columns[i].Name).Append('=');
            text.Append(_reader.IsDBNull(i) ? "NULL" : Convert.ToString(_reader.GetValue(i), CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
