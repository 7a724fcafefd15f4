namespace BatchKit;

/// <summary>Writes a plain progress line per report and the final line to a writer (redirected output, CI logs).</summary>
internal sealed class ProgressLines(TextWriter writer) : IProgress<RunProgress>
{
    private readonly ProgressEstimator _estimator = new(TimeSpan.FromSeconds(30));
    private bool _seen;

    public void Report(RunProgress value)
    {
        var first = !_seen;
        _seen = true;
        _estimator.Add(value);
        // The first line has no earlier one to measure from: its rate is the call's average so far.
        var rate = first && value.Elapsed > TimeSpan.Zero ? value.RecordsRead / value.Elapsed.TotalSeconds : _estimator.RunRate;
        writer.WriteLine(value.IsFinal ? ProgressText.Final(value) : ProgressText.Line(value, rate));
        writer.Flush();
    }
}
