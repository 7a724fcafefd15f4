using System.Text.Json;

namespace BatchKit;

/// <summary>
/// Reads the error records of an earlier run back as records, so they can be processed again after the rules or the
/// data were fixed ("reprocess the error records of run X"). Use it with <see cref="Partitions"/>: one partition per
/// partition of the earlier run that has error records, with ids <c>errors-&lt;partition id&gt;</c>.
/// </summary>
/// <typeparam name="T">The record type the payloads are parsed into.</typeparam>
/// <remarks>
/// Payloads are parsed with <see cref="JsonSerializer"/> by default (the format the executor stores step and
/// validation errors in); give a parser for other formats, such as raw CSV lines. A payload that still cannot be parsed
/// becomes an error record of the reprocessing run.
/// </remarks>
public sealed class ErrorRecordSource<T> : ISource<T>
{
    private const string Prefix = "errors-";
    private readonly ICheckpointStore _store;
    private readonly string _runKey;
    private readonly Func<ErrorRecord, T> _parse;
    private readonly Func<ErrorRecord, bool> _filter;

    /// <summary>Initializes a new instance of the <see cref="ErrorRecordSource{T}"/> class.</summary>
    /// <param name="store">The store holding the earlier run.</param>
    /// <param name="runKey">The RunKey hash of the earlier run (<see cref="RunKey.Value"/>).</param>
    /// <param name="parse">Turns an error record back into a record; <see langword="null"/> to parse its payload as JSON.</param>
    /// <param name="filter">Selects the error records to reprocess (for example by step or reason); <see langword="null"/> for all.</param>
    public ErrorRecordSource(ICheckpointStore store, string runKey, Func<ErrorRecord, T>? parse = null, Func<ErrorRecord, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(runKey);
        _store = store;
        _runKey = runKey;
        _parse = parse ?? (e => JsonSerializer.Deserialize<T>(e.RawPayload) ?? throw new JsonException("The payload is null."));
        _filter = filter ?? (_ => true);
    }

    /// <summary>Gets a partitioner with one partition per partition of the earlier run that has error records.</summary>
    public IPartitioner Partitions => new ErrorPartitioner(this);

    /// <inheritdoc/>
    public async ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var errors = await LoadAsync(context.Partition.Descriptor, cancellationToken).ConfigureAwait(false);
        return new Reader(errors, context, _parse);
    }

    private async Task<List<ErrorRecord>> LoadAsync(string? partitionId, CancellationToken cancellationToken)
    {
        var errors = await _store.QueryErrorsAsync(new ErrorQuery(_runKey, partitionId, Limit: int.MaxValue), cancellationToken).ConfigureAwait(false);
        return errors.Where(_filter).ToList();
    }

    private sealed class ErrorPartitioner(ErrorRecordSource<T> source) : IPartitioner
    {
        public async ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
        {
            var errors = await source.LoadAsync(null, cancellationToken).ConfigureAwait(false);
            return errors.Select(e => e.PartitionId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select((id, i) => new Partition(i, Prefix + id, id)).ToList();
        }
    }

    private sealed class Reader(List<ErrorRecord> errors, SourceContext context, Func<ErrorRecord, T> parse) : ISourceReader<T>
    {
        public long Position { get; private set; } = context.Position;

        public ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
        {
            var n = 0;
            while (n < buffer.Length && Position < errors.Count)
            {
                var error = errors[(int)Position++];
                try
                {
                    buffer.Span[n++] = parse(error);
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidDataException or NotSupportedException)
                {
                    n--;
                    context.ReportBadRecord(Position - 1, error.RawPayload, $"error record {error.PartitionId}/{error.Step}/{error.Offset} still cannot be read: {ex.Message}", ex);
                }
            }

            return ValueTask.FromResult(n);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
