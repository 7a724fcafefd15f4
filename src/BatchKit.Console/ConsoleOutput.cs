namespace BatchKit;

/// <summary>The one place this package touches <c>System.Console</c>: whether its output is redirected, and its writer.</summary>
internal static class ConsoleOutput
{
#pragma warning disable RS0030 // writing to the console is what this package is for
    public static bool IsRedirected => System.Console.IsOutputRedirected;

    public static TextWriter Writer => System.Console.Out;
#pragma warning restore RS0030
}
