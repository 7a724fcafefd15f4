using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>Plans key ranges from the key column's min and max, read when the plan is made (and frozen with it).</summary>
internal sealed class KeyBoundsPartitioner<T>(SourceCore<T> core, int partitionCount) : IPartitioner
{
    public async ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
    {
        long? min, max;
        try
        {
            await using var connection = await core.ReadSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = Pg.Command(connection, core.BoundsSql);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (min, max) = reader.IsDBNull(0) ? ((long?)null, (long?)null) : (reader.GetInt64(0), reader.GetInt64(1));
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BatchKitException($"PostgreSQL source table '{core.Table}' on {core.Server} could not read the range of key column '{core.KeyColumn}': {e.Message}", e) { IsTransient = Transient.Is(e) };
        }

        if (min is null || max is null)
        {
            return [new Partition(0, "keys-0000", PartitionDescriptor.Keys(0, 0))];
        }

        if (max == long.MaxValue)
        {
            throw new BatchKitException($"PostgreSQL source table '{core.Table}': key column '{core.KeyColumn}' holds {long.MaxValue}, which a half-open key range cannot include.") { IsTransient = false };
        }

        return await Partitioners.KeyRanges(min.Value, max.Value + 1, partitionCount).PlanAsync(context, cancellationToken).ConfigureAwait(false);
    }
}
