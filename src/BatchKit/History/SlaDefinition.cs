namespace BatchKit;

/// <summary>The built SLA objectives of a job, with the sink they may ask and where alerts go.</summary>
internal sealed class SlaDefinition(IReadOnlyList<SlaRule> rules, IAlertSink? alertSink, object sink)
{
    public IReadOnlyList<SlaRule> Rules { get; } = rules;

    public IAlertSink? AlertSink { get; } = alertSink;

    public object Sink { get; } = sink;

    /// <summary>Returns the definition problems of an SLA configuration, for <see cref="JobBuilder{T}.Build"/>.</summary>
    public static IEnumerable<string> Validate(SlaBuilder builder, object? sink)
    {
        foreach (var problem in builder.Problems)
        {
            yield return problem;
        }

        if (sink is not null && sink is not IDuplicateKeyReporter && builder.Rules.Any(r => r is DuplicatesRule))
        {
            yield return $"The SLA NoDuplicates needs a sink that reports duplicate keys (IDuplicateKeyReporter); {sink.GetType().Name} does not.";
        }

        foreach (var objective in builder.Rules.GroupBy(r => r.Objective).Where(g => g.Count() > 1))
        {
            yield return $"The SLA objective '{objective.Key}' is configured {objective.Count()} times; configure each objective once.";
        }
    }
}
