using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BatchKit.Dashboard;

/// <summary>
/// The dashboard's POST endpoints (mapped only when <see cref="BatchKitDashboardOptions.ActionsPolicy"/> is set): each
/// validates the antiforgery token, makes one change through <see cref="RunMaintenance"/> and redirects back to the run.
/// </summary>
internal static class DashboardActions
{
    /// <summary>Tells whether the request's user meets <paramref name="policy"/>; <see langword="false"/> when no policy is named.</summary>
    public static async Task<bool> AllowsAsync(HttpContext context, string? policy)
    {
        if (policy is null)
        {
            return false;
        }

        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(context.User, policy).ConfigureAwait(false)).Succeeded;
    }

    /// <summary>Appends a POST form of one button, carrying the antiforgery token and the given hidden fields.</summary>
    public static void Form(DashboardHtml html, HttpContext context, string relativeAction, string id, string label, params (string Name, string Value)[] fields)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        html.Raw("<form class=\"action\" method=\"post\" action=\"").Text(html.BasePath + relativeAction).Raw("\">")
            .Raw("<input type=\"hidden\" name=\"").Text(tokens.FormFieldName).Raw("\" value=\"").Text(tokens.RequestToken).Raw("\">");
        foreach (var (name, value) in fields)
        {
            html.Raw("<input type=\"hidden\" name=\"").Text(name).Raw("\" value=\"").Text(value).Raw("\">");
        }

        html.Raw("<button type=\"submit\" id=\"").Text(id).Raw("\">").Text(label).Raw("</button></form>");
    }

    public static async Task<IResult> RetryFailedAsync(HttpContext context, string runKey)
    {
        if (await ValidateAsync(context).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var store = context.RequestServices.GetRequiredService<ICheckpointStore>();
        try
        {
            await RunMaintenance.RetryFailedPartitionsAsync(store, runKey, Owner(context), context.RequestAborted).ConfigureAwait(false);
        }
        catch (KeyNotFoundException ex)
        {
            return Results.Text(ex.Message, "text/plain", statusCode: StatusCodes.Status404NotFound);
        }
        catch (RunLeaseConflictException ex)
        {
            return Results.Text("The run is being processed: " + ex.Message + " Retry after it ends.", "text/plain", statusCode: StatusCodes.Status409Conflict);
        }
        catch (InvalidOperationException ex)
        {
            return Results.Text(ex.Message, "text/plain", statusCode: StatusCodes.Status409Conflict);
        }

        return BackToRun(context, runKey);
    }

    public static async Task<IResult> CancelAsync(HttpContext context, string runKey)
    {
        if (await ValidateAsync(context).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var store = context.RequestServices.GetRequiredService<ICheckpointStore>();
        try
        {
            await RunMaintenance.CancelRunAsync(store, runKey, Owner(context), context.RequestAborted).ConfigureAwait(false);
        }
        catch (KeyNotFoundException ex)
        {
            return Results.Text(ex.Message, "text/plain", statusCode: StatusCodes.Status404NotFound);
        }
        catch (RunLeaseConflictException ex)
        {
            return Results.Text("The run is being joined or finalized: " + ex.Message + " Try again.", "text/plain", statusCode: StatusCodes.Status409Conflict);
        }
        catch (InvalidOperationException ex)
        {
            return Results.Text(ex.Message, "text/plain", statusCode: StatusCodes.Status409Conflict);
        }

        return BackToRun(context, runKey);
    }

    public static async Task<IResult> ResolveAsync(HttpContext context, string runKey)
    {
        if (await ValidateAsync(context).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var key = form["key"].ToString();
        bool? happened = form["outcome"].ToString() switch
        {
            "happened" => true,
            "not-happened" => false,
            _ => null,
        };
        if (key.Length == 0 || happened is null)
        {
            return Results.Text("Resolving an effect needs its idempotency key (key) and what was found downstream (outcome=happened or outcome=not-happened).",
                "text/plain", statusCode: StatusCodes.Status400BadRequest);
        }

        var store = context.RequestServices.GetRequiredService<ICheckpointStore>();
        try
        {
            await RunMaintenance.ResolveInDoubtEffectAsync(store, runKey, key, happened.Value, context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            return Results.Text(ex.Message, "text/plain", statusCode: StatusCodes.Status409Conflict);
        }

        return BackToRun(context, runKey);
    }

    private static async Task<IResult?> ValidateAsync(HttpContext context)
    {
        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
            return null;
        }
        catch (AntiforgeryValidationException)
        {
            return Results.Text("The form's antiforgery token is missing or invalid: reload the page and try again.", "text/plain", statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private static string Owner(HttpContext context) =>
        "batchkit-dashboard/" + Environment.MachineName + "/" + (context.User.Identity?.Name is { Length: > 0 } name ? name : "anonymous");

    private static IResult BackToRun(HttpContext context, string runKey)
    {
        // The run page of the same dashboard: the request path with the action's segments replaced.
        var path = context.Request.PathBase + context.Request.Path;
        var value = path.Value ?? "";
        var at = value.LastIndexOf("/runs/", StringComparison.Ordinal);
        var target = (at < 0 ? "" : value[..at]) + "/runs/" + DashboardHtml.PathSegment(runKey);
        return Results.Redirect(target, permanent: false, preserveMethod: false);
    }
}
