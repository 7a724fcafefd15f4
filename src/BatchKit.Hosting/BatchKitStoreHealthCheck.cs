using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BatchKit.Hosting;

/// <summary>Reports whether the state store answers a query (and, for SQLite, whether its file is still there and readable).</summary>
internal sealed class BatchKitStoreHealthCheck(ICheckpointStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ListRunsAsync(null, 1, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The state store ({Describe()}) is not reachable: {ex.Message}", ex);
        }

        if (store is SqliteCheckpointStore sqlite && ProbeFile(sqlite.Path) is { } problem)
        {
            // The store keeps one connection open: it goes on answering from a file that was deleted or replaced, and
            // the next start would open an empty store. A fresh connection sees what a restart would see.
            return new HealthCheckResult(context.Registration.FailureStatus, $"The SQLite state store file '{sqlite.Path}' is not usable: {problem}");
        }

        return HealthCheckResult.Healthy($"The state store ({Describe()}) is reachable.");
    }

    private string Describe() => store is SqliteCheckpointStore sqlite ? $"SQLite file '{sqlite.Path}'" : store.GetType().Name;

    private static string? ProbeFile(string path)
    {
        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            return $"its folder '{folder}' does not exist (was it deleted or unmounted?).";
        }

        if (!File.Exists(path))
        {
            return $"the file does not exist in '{folder}' any more.";
        }

        try
        {
            // The header first: with the store's WAL beside it, SQLite may read page 1 from the WAL and miss a replaced file.
            Span<byte> header = stackalloc byte[16];
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                if (file.Length > 0 && (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header.SequenceEqual("SQLite format 3\0"u8)))
                {
                    return "it cannot be read: it is not a SQLite database (its header is not 'SQLite format 3').";
                }
            }

            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'";
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1
                ? null
                : "it holds no BatchKit state (no runs table): was it replaced by another file?";
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            return $"it cannot be read: {ex.Message}";
        }
    }
}
