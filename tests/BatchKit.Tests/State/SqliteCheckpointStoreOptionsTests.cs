using BatchKit.Tests.Support;

namespace BatchKit.Tests.State;

public sealed class SqliteCheckpointStoreOptionsTests
{
    [Theory]
    [InlineData(0, "00:00:00")]
    [InlineData(-1000, "-00:00:01")]
    public void Constructor_BusyTimeoutBelowOneMillisecond_ThrowsNamingPropertyExpectedAndFound(int milliseconds, string found)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "state.db");

        var act = () => new SqliteCheckpointStore(path, new SqliteCheckpointStoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(milliseconds) });

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage($"The options of the SQLite state store '{path}' are not valid: SqliteCheckpointStoreOptions.BusyTimeout must be at least 00:00:00.0010000, found {found}. (Parameter 'options')");
        File.Exists(path).Should().BeFalse("nothing is created before the options are valid");
    }
}
