namespace BatchKit;

/// <content>Error records and side effects: querying errors, claiming and confirming effects, resolving the ones in doubt.</content>
public sealed partial class InMemoryCheckpointStore
{
    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ErrorRecord>> QueryErrorsAsync(ErrorQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit, nameof(query));
        return Read<IReadOnlyList<ErrorRecord>>(query.RunKey, data => data is null ? [] : data.Errors.Values
            .Where(e => query.PartitionId is null || string.Equals(e.PartitionId, query.PartitionId, StringComparison.Ordinal))
            .Where(e => query.Reason is null || e.Reason.Contains(query.Reason, StringComparison.Ordinal))
            .OrderBy(e => data.PlanPositions.TryGetValue(e.PartitionId, out var position) ? position : int.MaxValue)
            .ThenBy(e => e.PartitionId, StringComparer.Ordinal)
            .ThenBy(e => e.Offset)
            .ThenBy(e => e.Step, StringComparer.Ordinal)
            .Take(query.Limit)
            .ToList(), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<ClaimOutcome> ClaimEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return ValueTask.FromResult(Fenced(lease, (data, _) =>
        {
            if (data.Effects.TryGetValue(key, out var effect))
            {
                return effect.ConfirmedAt is null ? ClaimOutcome.InDoubt : ClaimOutcome.AlreadyConfirmed;
            }

            data.Effects.Add(key, new Effect(lease.PartitionId, Now(), null));
            return ClaimOutcome.Claimed;
        }, cancellationToken));
    }

    /// <inheritdoc/>
    public ValueTask ConfirmEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Write(lease, (data, _) =>
        {
            if (!data.Effects.TryGetValue(key, out var effect))
            {
                throw StateStoreText.EffectNotClaimed(data.Run.RunKey, key);
            }

            data.Effects[key] = effect with { ConfirmedAt = effect.ConfirmedAt ?? Now() };
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<InDoubtEffect>> ListInDoubtEffectsAsync(string runKey, CancellationToken cancellationToken) =>
        Read<IReadOnlyList<InDoubtEffect>>(runKey, data => data is null ? [] : data.Effects
            .Where(e => e.Value.ConfirmedAt is null)
            .OrderBy(e => e.Value.ClaimedAt)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new InDoubtEffect(runKey, e.Key, e.Value.PartitionId, e.Value.ClaimedAt))
            .ToList(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask ResolveInDoubtEffectAsync(string runKey, string key, bool happened, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue(runKey, out var data) || !data.Effects.TryGetValue(key, out var effect))
            {
                throw StateStoreText.EffectNotClaimed(runKey, key);
            }

            if (happened)
            {
                data.Effects[key] = effect with { ConfirmedAt = effect.ConfirmedAt ?? Now() };
            }
            else if (effect.ConfirmedAt is null)
            {
                data.Effects.Remove(key);
            }
            else
            {
                throw StateStoreText.EffectConfirmed(runKey, key);
            }
        }

        return ValueTask.CompletedTask;
    }
}
