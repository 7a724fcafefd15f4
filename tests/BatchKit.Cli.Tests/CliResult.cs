using System.Text.Json;

namespace BatchKit.Cli.Tests;

/// <summary>What one batchkit invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Output).RootElement;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
