namespace BatchKit;

/// <summary>A structured alert: an SLA objective of a run was missed.</summary>
/// <param name="JobName">The job.</param>
/// <param name="RunKey">The run.</param>
/// <param name="Result">The objective's result.</param>
/// <param name="RaisedAt">When the alert was raised.</param>
public readonly record struct SlaAlert(string JobName, RunKey RunKey, SlaResult Result, DateTimeOffset RaisedAt);
