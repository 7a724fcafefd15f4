namespace BatchKit;

/// <summary>Options of the console progress display (<see cref="ConsoleProgressJobRunnerExtensions"/>).</summary>
public sealed class ConsoleProgressOptions
{
    private TimeSpan _logInterval = TimeSpan.FromSeconds(5);
    private TimeSpan _refreshInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets where plain progress lines go instead of a live display.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: a live display on the console when its output is a terminal, and
    /// plain lines on <c>Console.Out</c> when the output is redirected (a pipe, a file, CI).
    /// </value>
    public TextWriter? Writer { get; set; }

    /// <summary>Gets or sets the time between two plain progress lines.</summary>
    /// <value>The default value is five seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan LogInterval
    {
        get => _logInterval;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _logInterval = value;
        }
    }

    /// <summary>Gets or sets the time between two redraws of the live display.</summary>
    /// <value>The default value is 250 milliseconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan RefreshInterval
    {
        get => _refreshInterval;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _refreshInterval = value;
        }
    }
}
