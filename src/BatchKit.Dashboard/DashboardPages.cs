using System.Globalization;
using BatchKit.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BatchKit.Dashboard;

/// <summary>The dashboard's read-only pages and the JSON the run page polls.</summary>
internal sealed class DashboardPages(BatchKitDashboardOptions options)
{
    public static async Task<IResult> JobsAsync(HttpContext context)
    {
        var html = new DashboardHtml(BasePath(context), "Jobs");
        var inventory = context.RequestServices.GetService<IBatchJobInventory>();
        if (inventory is null)
        {
            html.Raw("<p class=\"muted\">No job inventory is registered (AddBatchKit registers one). See ").Link("/runs", "all runs").Raw(".</p>");
            return html.ToResult();
        }

        var jobs = await inventory.GetJobsAsync(context.RequestAborted).ConfigureAwait(false);
        html.Raw("<table id=\"jobs\">").Header("Job", "Schedule", "Time zone", "Next run", "Last run", "Last status", "Priority", "SLA", "Input", "Output").Raw("<tbody>");
        foreach (var job in jobs)
        {
            html.Raw("<tr><td>").Link("/runs?job=" + Uri.EscapeDataString(job.Name), job.Name).Raw("</td>")
                .Cell(job.Cron is null ? "manual" : job.Enabled ? job.Cron : job.Cron + " (disabled)")
                .Cell(job.TimeZone)
                .Cell(DashboardHtml.Format(job.NextRun))
                .Cell(DashboardHtml.Format(job.LastRun?.StartedAt))
                .Raw("<td>");
            if (job.LastRun is { } last)
            {
                html.Status(last.Status.ToString());
            }

            html.Raw("</td>")
                .Cell(job.Priority.ToString(CultureInfo.InvariantCulture), numeric: true)
                .Cell(job.Sla is { } sla ? sla.ToString("c", CultureInfo.InvariantCulture) : "")
                .Cell(job.Input)
                .Cell(job.Output)
                .Raw("</tr>");
        }

        return html.Raw("</tbody></table>").ToResult();
    }

    public async Task<IResult> RunsAsync(HttpContext context)
    {
        var job = NonEmpty(context.Request.Query["job"]);
        var statusText = NonEmpty(context.Request.Query["status"]);
        RunStatus? status = null;
        if (statusText is not null)
        {
            if (!Enum.TryParse<RunStatus>(statusText, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return Results.Text(
                    $"Unknown run status '{statusText}'; expected one of {string.Join(", ", Enum.GetNames<RunStatus>())}.",
                    "text/plain", statusCode: StatusCodes.Status400BadRequest);
            }

            status = parsed;
        }

        if (!TryDate(context, "from", out var from, out var bad) || !TryDate(context, "to", out var to, out bad))
        {
            return bad!;
        }

        var history = new RunHistory(Store(context));
        // The store filters by job; the other filters look at more runs so a filtered page is not empty by chance.
        var filtered = status is not null || from is not null || to is not null;
        var runs = await history.ListRunsAsync(job, filtered ? options.MaxRuns * 10 : options.MaxRuns, context.RequestAborted).ConfigureAwait(false);
        var shown = runs
            .Where(r => status is null || r.Status == status)
            .Where(r => from is null || DateOnly.FromDateTime(r.StartedAt.UtcDateTime) >= from)
            .Where(r => to is null || DateOnly.FromDateTime(r.StartedAt.UtcDateTime) <= to)
            .Take(options.MaxRuns).ToList();

        var html = new DashboardHtml(BasePath(context), job is null ? "Runs" : "Runs of " + job);
        html.Raw("<form class=\"filter\" method=\"get\"><label>Job<br><input name=\"job\" value=\"").Text(job).Raw("\"></label><label>Status<br><select name=\"status\"><option value=\"\">any</option>");
        foreach (var name in Enum.GetNames<RunStatus>())
        {
            html.Raw("<option").Raw(string.Equals(name, status?.ToString(), StringComparison.Ordinal) ? " selected" : "").Raw(">").Text(name).Raw("</option>");
        }

        html.Raw("</select></label><label>Started from (UTC)<br><input type=\"date\" name=\"from\" value=\"").Text(from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Raw("\"></label><label>to<br><input type=\"date\" name=\"to\" value=\"").Text(to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Raw("\"></label><button type=\"submit\">Filter</button></form>");
        if (shown.Count == 0)
        {
            return html.Raw("<p class=\"muted\" id=\"no-runs\">No runs match.</p>").ToResult();
        }

        html.Raw("<table id=\"runs\">").Header("Job", "Parameters", "Status", "Started", "Duration", "Attempts", "Partitions", "Read", "Written", "Errors", "Error rate", "SLA").Raw("<tbody>");
        foreach (var run in shown)
        {
            html.Raw("<tr data-run-key=\"").Text(run.RunKey).Raw("\">")
                .Cell(run.JobName)
                .Raw("<td>").Link("/runs/" + DashboardHtml.PathSegment(run.RunKey), run.Parameters.Length == 0 ? run.RunKey[..Math.Min(12, run.RunKey.Length)] : run.Parameters).Raw("</td><td>")
                .Status(run.Status.ToString()).Raw("</td>")
                .Cell(DashboardHtml.Format(run.StartedAt))
                .Cell(DashboardHtml.Format(run.Duration), numeric: true)
                .Cell(run.Attempts.ToString(CultureInfo.InvariantCulture), numeric: true)
                .Cell($"{run.PartitionsCompleted}/{run.Partitions}", numeric: true)
                .Cell(DashboardHtml.Format(run.RecordsRead), numeric: true)
                .Cell(DashboardHtml.Format(run.RecordsWritten), numeric: true)
                .Cell(DashboardHtml.Format(run.Errors), numeric: true)
                .Cell(run.RecordsRead == 0 ? "" : ((double)run.Errors / run.RecordsRead).ToString("P2", CultureInfo.InvariantCulture), numeric: true)
                .Cell(Sla(run.SlaResults))
                .Raw("</tr>");
        }

        html.Raw("</tbody></table><h2>Duration trend</h2>");
        foreach (var group in shown.GroupBy(r => r.JobName, StringComparer.Ordinal))
        {
            DurationChart.Append(html, group.Key, [.. group], Now(context));
        }

        return html.ToResult();
    }

    public async Task<IResult> RunAsync(HttpContext context, string runKey)
    {
        var store = Store(context);
        var history = new RunHistory(store);
        var run = await history.GetRunAsync(runKey, context.RequestAborted).ConfigureAwait(false);
        if (run is null)
        {
            return Results.Text($"No run with RunKey '{runKey}' is in the state store.", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        var partitions = await history.GetPartitionsAsync(runKey, context.RequestAborted).ConfigureAwait(false);
        var inDoubt = await store.ListInDoubtEffectsAsync(runKey, context.RequestAborted).ConfigureAwait(false);
        var html = new DashboardHtml(BasePath(context), "Run of " + run.JobName);
        html.Raw("<dl><dt>RunKey</dt><dd>").Text(run.RunKey)
            .Raw("</dd><dt>Parameters</dt><dd>").Text(run.Parameters)
            .Raw("</dd><dt>Status</dt><dd id=\"run-status\">").Status(run.Status.ToString())
            .Raw("</dd><dt>Started</dt><dd>").Text(DashboardHtml.Format(run.StartedAt))
            .Raw("</dd><dt>Ended</dt><dd>").Text(DashboardHtml.Format(run.EndedAt))
            .Raw("</dd><dt>Attempts</dt><dd>").Text(run.Attempts.ToString(CultureInfo.InvariantCulture))
            .Raw("</dd><dt>Records</dt><dd>").Text($"{DashboardHtml.Format(run.RecordsRead)} read, {DashboardHtml.Format(run.RecordsWritten)} written, {DashboardHtml.Format(run.Errors)} errors")
            .Raw("</dd><dt>Late data</dt><dd id=\"run-late\">").Text(run.PartitionsReconciled == 0
                ? "none reconciled"
                : $"{run.PartitionsReconciled.ToString(CultureInfo.InvariantCulture)} partition(s) reconciled after completion, late-arrival rate {(run.LateArrivalRate * 100).ToString("0.#", CultureInfo.InvariantCulture)}%")
            .Raw("</dd><dt>Owner</dt><dd>").Text(run.Owner)
            .Raw("</dd><dt>Error</dt><dd><pre>").Text(run.Error)
            .Raw("</pre></dd>");
        var record = await store.GetRunAsync(runKey, context.RequestAborted).ConfigureAwait(false);
        if (record?.CancelRequestedAt is { } cancelledAt)
        {
            html.Raw("<dt>Cancelled by</dt><dd id=\"cancelled-by\">").Text($"{record.CancelRequestedBy} at {DashboardHtml.Format(cancelledAt)}").Raw("</dd>");
        }

        html.Raw("</dl><p>").Link("/runs/" + DashboardHtml.PathSegment(runKey) + "/errors", "Error records").Raw("</p>");
        var actions = await DashboardActions.AllowsAsync(context, options.ActionsPolicy).ConfigureAwait(false);
        if (actions && run.Status == RunStatus.Running && record?.CancelRequestedAt is null)
        {
            // Workers stop at their next chunk boundary; the partitions stay resumable.
            DashboardActions.Form(html, context, "/runs/" + DashboardHtml.PathSegment(runKey) + "/actions/cancel", "cancel-run", "Cancel run");
        }

        if (actions && run.PartitionsFailed > 0 && run.Status != RunStatus.Running)
        {
            DashboardActions.Form(html, context, "/runs/" + DashboardHtml.PathSegment(runKey) + "/actions/retry-failed", "retry-failed",
                $"Retry {run.PartitionsFailed.ToString(CultureInfo.InvariantCulture)} failed partition(s)");
        }

        html.Raw("<h2>Partitions</h2><table id=\"partitions\">").Header("Partition", "Status", "Attempts", "Read", "Written", "Errors", "Owner", "Updated", "Last error").Raw("<tbody>");
        foreach (var row in partitions.Select(PartitionRow.From))
        {
            html.Raw("<tr><td>").Link("/runs/" + DashboardHtml.PathSegment(runKey) + "/partitions/" + DashboardHtml.PathSegment(row.Id), row.Id).Raw("</td><td>").Status(row.Status).Raw("</td>")
                .Cell(row.Attempts.ToString(CultureInfo.InvariantCulture), numeric: true)
                .Cell(DashboardHtml.Format(row.Read), numeric: true)
                .Cell(DashboardHtml.Format(row.Written), numeric: true)
                .Cell(DashboardHtml.Format(row.Errors), numeric: true)
                .Cell(row.Owner)
                .Cell(row.Updated)
                .Raw("<td><pre>").Text(row.Error).Raw("</pre></td></tr>");
        }

        html.Raw("</tbody></table>");
        html.Raw("<h2>In-doubt effects</h2>");
        if (inDoubt.Count == 0)
        {
            html.Raw("<p class=\"muted\" id=\"no-in-doubt\">None.</p>");
        }
        else
        {
            html.Raw("<table id=\"in-doubt\">").Header(actions ? ["Idempotency key", "Partition", "Claimed", "Resolve"] : ["Idempotency key", "Partition", "Claimed"]).Raw("<tbody>");
            var resolve = "/runs/" + DashboardHtml.PathSegment(runKey) + "/actions/resolve";
            foreach (var (effect, index) in inDoubt.Select((e, i) => (e, i)))
            {
                html.Raw("<tr>").Cell(effect.Key).Cell(effect.PartitionId).Cell(DashboardHtml.Format(effect.ClaimedAt));
                if (actions)
                {
                    var n = index.ToString(CultureInfo.InvariantCulture);
                    html.Raw("<td>");
                    DashboardActions.Form(html, context, resolve, "happened-" + n, "Happened", ("key", effect.Key), ("outcome", "happened"));
                    DashboardActions.Form(html, context, resolve, "not-happened-" + n, "Did not happen", ("key", effect.Key), ("outcome", "not-happened"));
                    html.Raw("</td>");
                }

                html.Raw("</tr>");
            }

            html.Raw("</tbody></table><p class=\"muted\">Check downstream first: \"Happened\" means the effect is never repeated, \"Did not happen\" means the next run performs it. The CLI does the same with <code>batchkit resolve</code>.</p>");
        }

        // Live progress: the script polls the JSON endpoint and rewrites the partition rows with textContent (never
        // innerHTML), until the run is no longer running.
        var api = html.Encode(html.BasePath + "/api/runs/" + DashboardHtml.PathSegment(runKey) + "/partitions");
        html.Raw("<p class=\"muted\">Updated <span id=\"refreshed\">").Text(DashboardHtml.Format(Now(context))).Raw("</span></p>")
            .Raw("<script data-api=\"").Raw(api).Raw("\" data-partitions=\"").Text(html.BasePath + "/runs/" + DashboardHtml.PathSegment(runKey) + "/partitions/").Raw("\" data-interval=\"")
            .Raw(((int)options.RefreshInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture))
            .Raw("\" data-running=\"").Raw(run.Status == RunStatus.Running ? "true" : "false").Raw("\">").Raw(PollScript).Raw("</script>");
        return html.ToResult();
    }

    public static Task<IResult> PartitionAsync(HttpContext context, string runKey, string partitionId) =>
        PartitionPage.RenderAsync(context, runKey, partitionId, BasePath(context));

    public async Task<IResult> ErrorsAsync(HttpContext context, string runKey)
    {
        var store = Store(context);
        var partition = NonEmpty(context.Request.Query["partition"]);
        var errors = await store.QueryErrorsAsync(new ErrorQuery(runKey, partition, Limit: options.MaxErrors), context.RequestAborted).ConfigureAwait(false);
        var html = new DashboardHtml(BasePath(context), "Error records");
        html.Raw("<p>").Link("/runs/" + DashboardHtml.PathSegment(runKey), "Back to the run").Raw($" · showing at most {options.MaxErrors.ToString(CultureInfo.InvariantCulture)}</p>");
        if (errors.Count == 0)
        {
            return html.Raw("<p class=\"muted\" id=\"no-errors\">No error records.</p>").ToResult();
        }

        var payloads = await DashboardActions.AllowsAsync(context, options.PayloadPolicy).ConfigureAwait(false);
        if (!payloads)
        {
            html.Raw("<p class=\"muted\" id=\"payloads-hidden\">Payloads are hidden: the host shows them to the users its PayloadPolicy admits.</p>");
        }

        html.Raw("<table id=\"errors\">").Header(payloads ? ["Partition", "Step", "Offset", "Reason", "Exception", "Occurred", "Payload"] : ["Partition", "Step", "Offset", "Reason", "Exception", "Occurred"]).Raw("<tbody>");
        foreach (var error in errors)
        {
            html.Raw("<tr>").Cell(error.PartitionId).Cell(error.Step)
                .Cell(error.Offset.ToString(CultureInfo.InvariantCulture), numeric: true)
                .Cell(error.Reason)
                .Cell(error.ExceptionType is null ? null : error.ExceptionType + ": " + error.ExceptionMessage)
                .Cell(DashboardHtml.Format(error.OccurredAt));
            if (payloads)
            {
                html.Raw("<td><pre class=\"payload\">").Text(error.RawPayload).Raw("</pre></td>");
            }

            html.Raw("</tr>");
        }

        return html.Raw("</tbody></table>").ToResult();
    }

    public static async Task<IResult> PartitionsJsonAsync(HttpContext context, string runKey)
    {
        var history = new RunHistory(Store(context));
        var run = await history.GetRunAsync(runKey, context.RequestAborted).ConfigureAwait(false);
        if (run is null)
        {
            return Results.NotFound();
        }

        var partitions = await history.GetPartitionsAsync(runKey, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(new PartitionsPayload(run.Status.ToString(), DashboardHtml.Format(Now(context)), [.. partitions.Select(PartitionRow.From)]));
    }

    private const string PollScript = """
        (function(){var s=document.currentScript,api=s.dataset.api,ms=+s.dataset.interval,n=0;
        function cell(tr,t,c){var td=document.createElement('td');if(c)td.className=c;td.textContent=t==null?'':String(t);tr.appendChild(td);return td;}
        function fmt(v){return Number(v).toLocaleString('en-US');}
        function tick(){fetch(api,{headers:{'Accept':'application/json'}}).then(function(r){return r.json();}).then(function(d){
        var tb=document.querySelector('#partitions tbody');tb.textContent='';
        d.partitions.forEach(function(p){var tr=document.createElement('tr');var a=document.createElement('a');a.href=s.dataset.partitions+encodeURIComponent(p.id);a.textContent=p.id;cell(tr,'').appendChild(a);var st=cell(tr,'');var sp=document.createElement('span');
        sp.className='st st-'+p.status;sp.textContent=p.status;st.appendChild(sp);cell(tr,p.attempts,'num');cell(tr,fmt(p.read),'num');
        cell(tr,fmt(p.written),'num');cell(tr,fmt(p.errors),'num');cell(tr,p.owner);cell(tr,p.updated);var e=cell(tr,'');var pre=document.createElement('pre');
        pre.textContent=p.error||'';e.appendChild(pre);tb.appendChild(tr);});
        var rs=document.querySelector('#run-status span');rs.className='st st-'+d.status;rs.textContent=d.status;
        document.getElementById('refreshed').textContent=d.at;document.body.dataset.refreshes=String(++n);
        if(d.status==='Running')setTimeout(tick,ms);}).catch(function(){setTimeout(tick,ms*2);});}
        if(s.dataset.running==='true')setTimeout(tick,ms);else tick();})();
        """;

    private static bool TryDate(HttpContext context, string name, out DateOnly? date, out IResult? bad)
    {
        date = null;
        bad = null;
        if (NonEmpty(context.Request.Query[name]) is not { } text)
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            date = parsed;
            return true;
        }

        bad = Results.Text($"The '{name}' filter '{text}' is not a date: expected yyyy-MM-dd, such as 2026-11-30.", "text/plain", statusCode: StatusCodes.Status400BadRequest);
        return false;
    }

    private static DateTimeOffset Now(HttpContext context) =>
        (context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();

    private static ICheckpointStore Store(HttpContext context) => context.RequestServices.GetRequiredService<ICheckpointStore>();

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrWhiteSpace(value.ToString()) ? null : value.ToString().Trim();

    private static string BasePath(HttpContext context)
    {
        // The group's prefix: the request path up to and including the route's literal prefix.
        var template = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "";
        var prefix = template.Split("/runs", 2)[0].Split("/api/", 2)[0].TrimEnd('/');
        return context.Request.PathBase.Value + prefix;
    }

    private static string Sla(IReadOnlyList<SlaResult> results) =>
        results.Count == 0 ? "" : string.Join(", ", results.Select(r => r.ToString()));
}
