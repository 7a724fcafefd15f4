namespace BatchKit;

/// <summary>The outcome of one SLA objective at the end of a run attempt.</summary>
/// <param name="Objective">The objective's name (see <see cref="SlaObjective"/>).</param>
/// <param name="Target">The target: a tolerance, a count, seconds or a rate, as the objective says.</param>
/// <param name="Actual">The measured value, or <see langword="null"/> when it could not be measured (which fails the objective).</param>
/// <param name="Passed">Whether the objective was met.</param>
/// <param name="IsGate">Whether a miss fails the run.</param>
/// <param name="Detail">A sentence that explains the numbers.</param>
public sealed record SlaResult(string Objective, double Target, double? Actual, bool Passed, bool IsGate, string Detail);
