using BatchKit.Postgres;
using Npgsql;

namespace BatchKit.Cli;

/// <summary>
/// A PostgreSQL state store: the schema of a <see cref="PostgresCheckpointStore"/> reached through a connection string or
/// URI. It must exist already (the tool never creates a store); an older schema version is upgraded on open, as a job
/// opening the store would do. Messages name the server as <c>host:port/database</c>, never the password.
/// </summary>
internal sealed class PostgresStoreProvider : IStoreProvider
{
    public const string DefaultSchema = "batchkit";

    public bool Recognizes(string store) => PostgresConnectionString.Recognizes(store);

    public async Task<ICheckpointStore> OpenAsync(string store, string? schema, CancellationToken cancellationToken)
    {
        var builder = PostgresConnectionString.Parse(store);
        var server = PostgresConnectionString.Describe(builder);
        schema ??= DefaultSchema;
        if (string.IsNullOrWhiteSpace(schema))
        {
            throw new CliException(ExitCodes.Usage, "--schema is empty: pass the schema that holds the state store (default batchkit).");
        }

        var connectionString = builder.ConnectionString;
        var password = builder.Password;
        try
        {
            await ThrowIfNoStoreAsync(connectionString, schema, server, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(server, schema, e, password);
        }

        var opened = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { ConnectionString = connectionString, Schema = schema });
        try
        {
            await opened.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return opened;
        }
        catch (BatchKitException e)
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw e.InnerException is NpgsqlException inner
                ? Unreachable(server, schema, inner, password)
                : new CliException(ExitCodes.StoreUnreadable, Scrub(e.Message, password), e);
        }
    }

    // Refuses a database or schema without a store before the store is opened, as opening it would create one.
    private static async Task ThrowIfNoStoreAsync(string connectionString, string schema, string server, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = @s), (SELECT count(*) FROM information_schema.tables WHERE table_schema = @s)",
            connection);
        command.Parameters.AddWithValue("s", schema);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var exists = reader.GetBoolean(0);
        if (reader.GetInt64(1) == 0)
        {
            throw new CliException(
                ExitCodes.StoreNotFound,
                $"There is no BatchKit state store in the schema '{schema}' on {server}: the schema {(exists ? "holds no tables" : "does not exist")}. "
                + "Pass the schema the jobs keep their state in with --schema (default batchkit); the tool never creates a store.");
        }
    }

    private static CliException Unreachable(string server, string schema, NpgsqlException e, string? password)
    {
        var (code, what) = e is PostgresException { SqlState: var state }
            ? state switch
            {
                "3D000" => (ExitCodes.StoreNotFound, "has no such database"),
                "28P01" or "28000" => (ExitCodes.StoreUnreachable, "refused the login (check the user name and password)"),
                _ => (ExitCodes.StoreUnreachable, "failed"),
            }
            : (ExitCodes.StoreUnreachable, "could not be reached");
        return new CliException(code, Scrub($"The PostgreSQL server {server} (state store schema '{schema}') {what}: {e.Message}", password), e);
    }

    // Server messages do not carry the password, but a message must never show it, whatever a server or driver puts in it.
    private static string Scrub(string message, string? password) =>
        string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);
}
