namespace BatchKit.Cli.Tests;

/// <summary>
/// One state store as the tests see it: the batchkit arguments that name it (<c>--store …</c>, and <c>--schema …</c> for
/// PostgreSQL), a way to open it from code (to run jobs into it), and a row count of one of its tables.
/// </summary>
public sealed class CliStore(string[] args, Func<ICheckpointStore> open, Func<string, Task<long>> count)
{
    public IReadOnlyList<string> Args { get; } = args;

    /// <summary>Opens the store from code; the caller disposes it.</summary>
    public ICheckpointStore Open() => open();

    /// <summary>Counts the rows of one of the store's tables.</summary>
    public Task<long> CountAsync(string table) => count(table);

    /// <summary>Runs batchkit with this store's arguments after <paramref name="args"/>.</summary>
    public Task<CliResult> RunAsync(params string[] args) => Cli.RunAsync([.. args, .. Args]);
}
