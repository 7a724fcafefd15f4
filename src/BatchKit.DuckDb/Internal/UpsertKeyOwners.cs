using System.Globalization;
using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// Remembers which partition of a run wrote each key of an <see cref="WriteDisposition.Upsert"/> table, in a side
/// table <c>&lt;table&gt;__bk_upsert_keys</c> (run, partition, key columns). A key that arrives from a second partition
/// of the same run fails the commit: an upsert keeps whichever partition wrote last, so results computed per partition
/// (an aggregate over natural partitions) would otherwise be silently wrong.
/// </summary>
/// <remarks>
/// The check and the claim run in the commit's transaction, before the merge, so a failed commit changes nothing. A
/// retried partition writes its own keys again and passes; another run (another RunKey) may write the same keys.
/// </remarks>
internal sealed class UpsertKeyOwners
{
    private const string RunColumn = "_bk_run";
    private const string PartitionColumn = "_bk_partition";

    private readonly string _table;
    private readonly string _quotedTable;
    private readonly string _keyList;
    private readonly string _createSql;
    private readonly string _conflictSql;
    private readonly string _claimSql;
    private readonly IReadOnlyList<MappedColumn> _key;

    public UpsertKeyOwners(string table, IReadOnlyList<MappedColumn> key, string stage)
    {
        _table = table;
        _key = key;
        _quotedTable = Sql.Quote(table + "__bk_upsert_keys");
        _keyList = string.Join(", ", key.Select(k => k.Quoted));
        _createSql =
            $"CREATE TABLE IF NOT EXISTS {_quotedTable} ({Sql.Quote(RunColumn)} VARCHAR NOT NULL, {Sql.Quote(PartitionColumn)} VARCHAR NOT NULL, "
            + string.Join(", ", key.Select(k => k.Definition))
            + $", PRIMARY KEY ({Sql.Quote(RunColumn)}, {_keyList}))";
        var join = string.Join(" AND ", key.Select(k => $"o.{k.Quoted} = s.{k.Quoted}"));
        _conflictSql =
            $"SELECT o.{Sql.Quote(PartitionColumn)}, {string.Join(", ", key.Select(k => "s." + k.Quoted))} "
            + $"FROM (SELECT DISTINCT {_keyList} FROM temp.main.{stage}) s JOIN {_quotedTable} o ON o.{Sql.Quote(RunColumn)} = $bk_run AND {join} "
            + $"WHERE o.{Sql.Quote(PartitionColumn)} <> $bk_partition LIMIT 1";
        _claimSql =
            $"INSERT INTO {_quotedTable} ({Sql.Quote(RunColumn)}, {Sql.Quote(PartitionColumn)}, {_keyList}) "
            + $"SELECT DISTINCT $bk_run, $bk_partition, {_keyList} FROM temp.main.{stage} ON CONFLICT DO NOTHING";
    }

    /// <summary>Creates the side table when it is missing.</summary>
    public void Prepare(DuckDBConnection connection, CancellationToken cancellationToken) =>
        Db.Execute(connection, _createSql, cancellationToken);

    /// <summary>Fails if a staged key was written by another partition of the run; otherwise records the staged keys as this partition's.</summary>
    /// <exception cref="BatchKitException">A staged key belongs to another partition of the run (not transient).</exception>
    public void Claim(DuckDBConnection connection, SinkContext context, CancellationToken cancellationToken)
    {
        var parameters = new[] { Db.Parameter("bk_run", context.RunKey.Value), Db.Parameter("bk_partition", context.Partition.Id) };
        using (var command = Db.Create(connection, _conflictSql, parameters))
        {
            var conflict = Db.Run(command, c => ReadConflict(c), cancellationToken);
            if (conflict is { } found)
            {
                throw new BatchKitException(
                    $"DuckDB sink of table '{_table}': the key ({found.Key}) was written by partition '{found.Partition}' and again by partition "
                    + $"'{context.Partition.Id}' of run {context.RunKey}. An upsert keeps whichever partition writes a key last, so results computed "
                    + "per partition (such as an Aggregate step over natural partitions) would be silently wrong. Partition the job by the key "
                    + "with ShuffleBy (for example a HashPartitioner on the key columns), so that every key belongs to one partition.")
                {
                    JobName = context.RunKey.JobName,
                    PartitionId = context.Partition.Id,
                    IsTransient = false,
                };
            }
        }

        Db.Execute(connection, _claimSql, cancellationToken, parameters);
    }

    private (string Partition, string Key)? ReadConflict(DuckDBCommand command)
    {
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var values = _key.Select((k, i) => k.Name + " = " + Convert.ToString(reader.GetValue(i + 1), CultureInfo.InvariantCulture));
        return (reader.GetString(0), string.Join(", ", values));
    }
}
