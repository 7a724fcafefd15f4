namespace BatchKit.Cli.Tests;

/// <summary>Runs batchkit in this process, as its Program does, with the output captured.</summary>
public static class Cli
{
    public static Task<CliResult> RunAsync(params string[] args) => RunWithEnvironmentAsync(_ => null, args);

    public static async Task<CliResult> RunWithEnvironmentAsync(Func<string, string?> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await BatchKitCli.RunAsync(args, output, error, environment, terminal: false, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
