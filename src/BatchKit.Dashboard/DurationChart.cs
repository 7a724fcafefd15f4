using System.Globalization;

namespace BatchKit.Dashboard;

/// <summary>
/// A server-rendered SVG bar chart of run durations, one bar per run in start order: no script, no external asset.
/// </summary>
internal static class DurationChart
{
    private const int Height = 120;
    private const int BarWidth = 14;
    private const int Gap = 4;
    private const int Left = 48;
    private const int Bottom = 18;

    public static void Append(DashboardHtml html, string jobName, IReadOnlyList<RunSummary> runs, DateTimeOffset now)
    {
        var ordered = runs.OrderBy(r => r.StartedAt).ToList();
        // A run still going counts with its elapsed time so far, so every run has its bar.
        var seconds = ordered.Select(r => Math.Max(0, (r.Duration ?? (now - r.StartedAt)).TotalSeconds)).ToList();
        var max = Math.Max(seconds.DefaultIfEmpty(0).Max(), 0.001);
        var width = Left + (ordered.Count * (BarWidth + Gap)) + Gap;
        var plot = Height - Bottom;
        html.Raw("<figure class=\"trend\"><figcaption>Duration of the runs of ").Text(jobName).Raw(" (oldest first)</figcaption>")
            .Raw(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"duration-trend\" role=\"img\" width=\"{width}\" height=\"{Height}\" viewBox=\"0 0 {width} {Height}\" data-job=\""))
            .Text(jobName).Raw("\"><title>").Text("Run durations of " + jobName).Raw("</title>")
            .Raw(Invariant($"<line x1=\"{Left}\" y1=\"{plot}\" x2=\"{width}\" y2=\"{plot}\" stroke=\"#9aa3b2\"/>"))
            .Raw(Invariant($"<text x=\"{Left - 4}\" y=\"10\" text-anchor=\"end\" font-size=\"10\">")).Text(Label(max)).Raw("</text>")
            .Raw(Invariant($"<text x=\"{Left - 4}\" y=\"{plot}\" text-anchor=\"end\" font-size=\"10\">0</text>"));
        for (var i = 0; i < ordered.Count; i++)
        {
            var run = ordered[i];
            var h = Math.Max(1, seconds[i] / max * (plot - 8));
            var x = Left + Gap + (i * (BarWidth + Gap));
            html.Raw(Invariant($"<rect class=\"bar st-{run.Status}\" x=\"{x}\" y=\"{plot - h:0.##}\" width=\"{BarWidth}\" height=\"{h:0.##}\" data-run-key=\""))
                .Text(run.RunKey).Raw("\"><title>")
                .Text($"{run.Parameters} · {run.Status} · {DashboardHtml.Format(run.Duration ?? (now - run.StartedAt))} · started {DashboardHtml.Format(run.StartedAt)}")
                .Raw("</title></rect>");
        }

        html.Raw("</svg></figure>");
    }

    private static string Label(double seconds) => DashboardHtml.Format(TimeSpan.FromSeconds(seconds));

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
