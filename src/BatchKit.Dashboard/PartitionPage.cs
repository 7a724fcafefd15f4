using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BatchKit.Dashboard;

/// <summary>One partition of a run: its state, checkpoint counts and every attempt, with a link to its error records.</summary>
internal static class PartitionPage
{
    public static async Task<IResult> RenderAsync(HttpContext context, string runKey, string partitionId, string basePath)
    {
        var store = context.RequestServices.GetRequiredService<ICheckpointStore>();
        var history = new RunHistory(store);
        var run = await history.GetRunAsync(runKey, context.RequestAborted).ConfigureAwait(false);
        var partition = run is null
            ? null
            : (await history.GetPartitionsAsync(runKey, context.RequestAborted).ConfigureAwait(false)).FirstOrDefault(p => p.PartitionId == partitionId);
        if (run is null || partition is null)
        {
            return Results.Text($"No partition '{partitionId}' of a run with RunKey '{runKey}' is in the state store.", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        var attempts = (await store.ListPartitionAttemptsAsync(runKey, context.RequestAborted).ConfigureAwait(false))
            .Where(a => a.PartitionId == partitionId).OrderBy(a => a.StartedAt).ToList();
        var runPath = "/runs/" + DashboardHtml.PathSegment(runKey);
        var html = new DashboardHtml(basePath, $"Partition {partitionId} of {run.JobName}");
        html.Raw("<p>").Link(runPath, "Back to the run (" + run.Parameters + ")").Raw(" · ")
            .Link(runPath + "/errors?partition=" + Uri.EscapeDataString(partitionId), "Its error records").Raw("</p>")
            .Raw("<dl><dt>Status</dt><dd id=\"partition-status\">").Status(partition.Status.ToString())
            .Raw("</dd><dt>Attempts</dt><dd>").Text(partition.Attempts.ToString(CultureInfo.InvariantCulture))
            .Raw("</dd><dt>Records</dt><dd id=\"partition-records\">").Text($"{DashboardHtml.Format(partition.RecordsRead)} read, {DashboardHtml.Format(partition.RecordsWritten)} written, {DashboardHtml.Format(partition.Errors)} errors, {DashboardHtml.Format(partition.InDoubt)} in doubt")
            .Raw("</dd><dt>Started</dt><dd>").Text(DashboardHtml.Format(partition.StartedAt))
            .Raw("</dd><dt>Ended</dt><dd>").Text(DashboardHtml.Format(partition.EndedAt))
            .Raw("</dd><dt>Duration</dt><dd>").Text(DashboardHtml.Format(partition.Duration))
            .Raw("</dd><dt>Last error</dt><dd><pre>").Text(partition.Error).Raw("</pre></dd></dl>");
        html.Raw("<h2>Attempts</h2><table id=\"attempts\">").Header("Attempt", "Owner", "Epoch", "Status", "Started", "Ended", "Read", "Written", "Errors", "Error").Raw("<tbody>");
        foreach (var a in attempts)
        {
            html.Raw("<tr>").Cell(a.Attempt.ToString(CultureInfo.InvariantCulture), numeric: true).Cell(a.Owner)
                .Cell(a.Epoch.ToString(CultureInfo.InvariantCulture), numeric: true)
                .Raw("<td>").Status(a.Status.ToString()).Raw("</td>")
                .Cell(DashboardHtml.Format(a.StartedAt)).Cell(DashboardHtml.Format(a.EndedAt))
                .Cell(DashboardHtml.Format(a.RecordsRead), numeric: true)
                .Cell(DashboardHtml.Format(a.RecordsWritten), numeric: true)
                .Cell(DashboardHtml.Format(a.Errors), numeric: true)
                .Raw("<td><pre>").Text(a.Error).Raw("</pre></td></tr>");
        }

        return html.Raw("</tbody></table>").ToResult();
    }
}
