using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace BatchKit.Dashboard;

/// <summary>Builds the dashboard's HTML: every value goes through <see cref="HtmlEncoder"/>.</summary>
internal sealed class DashboardHtml
{
    private const string Css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
        header{background:#1d2a44;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.5rem;align-items:center}
        header a{color:#cfe0ff;text-decoration:none}header strong{font-size:1.1rem}
        main{padding:1rem 1.2rem}h1{font-size:1.3rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
        table{border-collapse:collapse;background:#fff;width:100%;font-size:.9rem}
        th,td{border-bottom:1px solid #e2e5ea;padding:.35rem .6rem;text-align:left;vertical-align:top}
        th{background:#eef1f5;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
        pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:.8rem;max-width:60rem}
        .st{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.8rem;background:#dde3ec}
        .st-Completed{background:#cdebd3}.st-Failed,.st-TimedOut{background:#f6cccc}.st-Running{background:#cfe0ff}
        .st-CompletedWithDoubts,.st-Cancelled{background:#f7e3b5}.muted{color:#6b7383}
        form.filter{margin-bottom:.8rem;display:flex;gap:.6rem;align-items:end}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
        dt{font-weight:600}dd{margin:0}form.action{display:inline-block;margin:.2rem .4rem .2rem 0}
        figure.trend{margin:.4rem 0 1rem;background:#fff;padding:.5rem;display:inline-block}figcaption{font-size:.85rem;color:#6b7383}
        rect.bar{fill:#6d8fd6}rect.st-Failed,rect.st-TimedOut{fill:#d66d6d}rect.st-CompletedWithDoubts,rect.st-Cancelled{fill:#d6b26d}
        """;

    private readonly StringBuilder _html = new();
    private readonly HtmlEncoder _encoder = HtmlEncoder.Default;

    public DashboardHtml(string basePath, string title)
    {
        BasePath = basePath;
        _html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(Encode(title)).Append(" · BatchKit</title><style>").Append(Css).Append("</style></head><body><header><strong>BatchKit</strong>")
            .Append("<a href=\"").Append(Encode(basePath + "/")).Append("\">Jobs</a>")
            .Append("<a href=\"").Append(Encode(basePath + "/runs")).Append("\">Runs</a></header><main><h1>")
            .Append(Encode(title)).Append("</h1>");
    }

    public string BasePath { get; }

    public string Encode(string? value) => value is null ? string.Empty : _encoder.Encode(value);

    public static string Format(DateTimeOffset? value) =>
        value is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    public static string Format(TimeSpan? value) =>
        value is { } v ? (v.TotalHours >= 1 ? v.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : v.ToString(@"m\:ss\.f", CultureInfo.InvariantCulture)) : "";

    public static string Format(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Appends markup that is already safe (literal tags only).</summary>
    public DashboardHtml Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    /// <summary>Appends an encoded text.</summary>
    public DashboardHtml Text(string? value)
    {
        _html.Append(Encode(value));
        return this;
    }

    public DashboardHtml Link(string relativePath, string text)
    {
        _html.Append("<a href=\"").Append(Encode(BasePath + relativePath)).Append("\">").Append(Encode(text)).Append("</a>");
        return this;
    }

    public DashboardHtml Status(string status)
    {
        _html.Append("<span class=\"st st-").Append(Encode(status)).Append("\">").Append(Encode(status)).Append("</span>");
        return this;
    }

    public DashboardHtml Cell(string? value, bool numeric = false)
    {
        _html.Append(numeric ? "<td class=\"num\">" : "<td>").Append(Encode(value)).Append("</td>");
        return this;
    }

    public DashboardHtml Header(params string[] columns)
    {
        _html.Append("<thead><tr>");
        foreach (var column in columns)
        {
            _html.Append("<th>").Append(Encode(column)).Append("</th>");
        }

        _html.Append("</tr></thead>");
        return this;
    }

    public IResult ToResult() =>
        Results.Content(_html.Append("</main></body></html>").ToString(), "text/html; charset=utf-8");

    public static string PathSegment(string value) => Uri.EscapeDataString(value);
}
