using System.Text.Json.Serialization;

namespace BatchKit.Dashboard;

/// <summary>One partition as the run page and its JSON endpoint show it.</summary>
internal sealed record PartitionRow(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("read")] long Read,
    [property: JsonPropertyName("written")] long Written,
    [property: JsonPropertyName("errors")] long Errors,
    [property: JsonPropertyName("owner")] string? Owner,
    [property: JsonPropertyName("updated")] string Updated,
    [property: JsonPropertyName("error")] string? Error)
{
    public static PartitionRow From(PartitionSummary p) => new(
        p.PartitionId, p.Status.ToString(), p.Attempts, p.RecordsRead, p.RecordsWritten, p.Errors, p.Owner,
        DashboardHtml.Format(p.UpdatedAt), p.Error);
}

/// <summary>The JSON the run page polls.</summary>
internal sealed record PartitionsPayload(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("at")] string At,
    [property: JsonPropertyName("partitions")] IReadOnlyList<PartitionRow> Partitions);
