using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace BatchKit.Cli;

/// <summary>What a command runs with: the open store, the output, and the common options.</summary>
internal sealed class CliContext(ICheckpointStore store, TextWriter output, bool json, bool terminal) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public ICheckpointStore Store { get; } = store;

    public RunHistory History { get; } = new(store);

    public bool Json { get; } = json;

    public TextWriter Output { get; } = output;

    public IAnsiConsole Console { get; } = CreateConsole(output, terminal);

    public void WriteJson<T>(T value) => Output.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    public void WriteLine(string text) => Output.WriteLine(text);

    public static string Time(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    public static string Duration(TimeSpan? value) => value switch
    {
        null => "-",
        { TotalHours: >= 1 } d => d.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture),
        { TotalSeconds: >= 1 } d => d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
        var d => d.Value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms",
    };

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Short(string runKey) => runKey.Length > 12 ? runKey[..12] : runKey;

    public ValueTask DisposeAsync() => Store.DisposeAsync();

    private static IAnsiConsole CreateConsole(TextWriter output, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        if (!terminal)
        {
            // Redirected output (a file, a pipe, a test) gets wide tables instead of wrapped 80-column ones.
            console.Profile.Width = 240;
        }

        return console;
    }
}
