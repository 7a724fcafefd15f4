using System.Globalization;

namespace BatchKit;

/// <summary>What a rule may look at besides the run's numbers.</summary>
internal sealed record SlaEnvironment(SlaContext Context, object Sink, ICheckpointStore Store, string JobName);

/// <summary>One configured SLA objective.</summary>
internal abstract class SlaRule(string objective, bool gate)
{
    public string Objective { get; } = objective;

    public bool Gate { get; } = gate;

    /// <summary>Whether the objective is about output about to be published, so only evaluated when every partition completed.</summary>
    public virtual bool NeedsCompletedRun => false;

    public abstract ValueTask<SlaResult> EvaluateAsync(SlaEnvironment environment, CancellationToken cancellationToken);

    protected SlaResult Result(double target, double? actual, bool passed, string detail) => new(Objective, target, actual, passed, Gate, detail);

    protected static string N(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

internal sealed class CompletenessRule(
    double tolerance,
    bool gate,
    Func<SlaContext, CancellationToken, ValueTask<long>>? sourceCount,
    Func<SlaContext, CancellationToken, ValueTask<long>>? destinationCount) : SlaRule(SlaObjective.Completeness, gate)
{
    public override bool NeedsCompletedRun => true;

    public override async ValueTask<SlaResult> EvaluateAsync(SlaEnvironment environment, CancellationToken cancellationToken)
    {
        var context = environment.Context;
        var source = sourceCount is null ? context.RecordsRead : await sourceCount(context, cancellationToken).ConfigureAwait(false);
        var destination = destinationCount is null ? context.RecordsWritten : await destinationCount(context, cancellationToken).ConfigureAwait(false);
        var difference = Math.Abs(source - destination);
        var relative = source == 0 ? (destination == 0 ? 0 : 1) : (double)difference / source;
        var passed = relative <= tolerance;
        return Result(tolerance, relative, passed, $"source {N(source)}, destination {N(destination)}: {N(difference)} apart ({N(relative * 100)}%), tolerance {N(tolerance * 100)}%");
    }
}

internal sealed class DuplicatesRule(bool gate) : SlaRule(SlaObjective.Duplicates, gate)
{
    public override bool NeedsCompletedRun => true;

    public override async ValueTask<SlaResult> EvaluateAsync(SlaEnvironment environment, CancellationToken cancellationToken)
    {
        if (environment.Sink is not IDuplicateKeyReporter reporter)
        {
            return Result(0, null, false, $"the sink {environment.Sink.GetType().Name} does not report duplicate keys (IDuplicateKeyReporter)");
        }

        var context = environment.Context;
        var completion = new RunCompletionContext(context.RunKey, context.Partitions.Where(p => !StagingLayout.IsExtract(p)).ToList());
        var duplicates = await reporter.CountDuplicateKeysAsync(completion, cancellationToken).ConfigureAwait(false);
        return Result(0, duplicates, duplicates == 0, $"{N(duplicates)} duplicate key(s) in the run's output");
    }
}

internal sealed class FreshnessRule(TimeSpan maxAge, Func<SlaContext, CancellationToken, ValueTask<DateTimeOffset?>> newest, bool gate) : SlaRule(SlaObjective.Freshness, gate)
{
    public override bool NeedsCompletedRun => true;

    public override async ValueTask<SlaResult> EvaluateAsync(SlaEnvironment environment, CancellationToken cancellationToken)
    {
        var context = environment.Context;
        var time = await newest(context, cancellationToken).ConfigureAwait(false);
        if (time is null)
        {
            return Result(maxAge.TotalSeconds, null, false, "the newest event time is unknown (no event found)");
        }

        var age = context.EvaluatedAt - time.Value;
        return Result(maxAge.TotalSeconds, age.TotalSeconds, age <= maxAge, $"newest event {time.Value.UtcDateTime:u}, {age} before the run's end; at most {maxAge}");
    }
}

/// <summary>A number of the run compared with a limit: at least (<c>above</c>) or at most.</summary>
internal sealed class ThresholdRule(string objective, double limit, bool gate, Func<SlaContext, double> measure, bool above, string unit) : SlaRule(objective, gate)
{
    public override ValueTask<SlaResult> EvaluateAsync(SlaEnvironment environment, CancellationToken cancellationToken)
    {
        var actual = measure(environment.Context);
        var passed = above ? actual >= limit : actual <= limit;
        return ValueTask.FromResult(Result(limit, actual, passed, $"{N(actual)} {unit}; {(above ? "at least" : "at most")} {N(limit)}"));
    }
}

internal sealed class AvailabilityRule(double target, TimeSpan window) : SlaRule(SlaObjective.Availability, false)
{
    public override async ValueTask<SlaResult> EvaluateAsync(SlaEnvironment environment, CancellationToken cancellationToken)
    {
        var context = environment.Context;
        var runs = await environment.Store.ListRunsAsync(environment.JobName, int.MaxValue, cancellationToken).ConfigureAwait(false);

        // This run is counted with the status it is about to end with; the store may still say Running.
        var statuses = runs.Where(r => r.StartedAt >= context.EvaluatedAt - window && r.RunKey != context.RunKey.Value).Select(r => r.Status).Append(context.Status).ToList();
        var availability = RunHistory.Availability(statuses);
        return Result(target, availability, availability >= target, $"{statuses.Count(s => s == RunStatus.Completed)} of {statuses.Count} run(s) started in the last {window} completed; at least {N(target * 100)}%");
    }
}
