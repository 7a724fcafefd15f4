namespace BatchKit.DuckDb.Tests;

// The options are validated before the database file is opened: these tests create none.
public sealed class DuckDbOptionsValidationTests
{
    private const string ConnectionString = "Data Source=/nonexistent/never-opened.duckdb";

    public static TheoryData<string, string> SinkRules => new()
    {
        { "ConnectionString", "DuckDbSinkOptions.ConnectionString must be set, found ''." },
        { "LockTimeout", "DuckDbSinkOptions.LockTimeout must not be negative, found -00:00:02." },
        { "Slice", "DuckDbSinkOptions.Slice must be set for the disposition ReplacePartition, found null." },
        { "CreatePrimaryKey", "DuckDbSinkOptions.CreatePrimaryKey must be true or null for the disposition Upsert, which matches rows on the primary key, found False." },
        { "RunSlice", "DuckDbSinkOptions.RunSlice must be null for the disposition Upsert (it applies to ReplacePartition only), found a function." },
        { "Disposition", "DuckDbSinkOptions.Disposition must be Upsert or ReplacePartition, found Append." },
    };

    [Theory]
    [MemberData(nameof(SinkRules))]
    public void Sink_OptionBreaksRule_ThrowsNamingPropertyExpectedAndFound(string rule, string expected)
    {
        var options = new DuckDbSinkOptions { ConnectionString = ConnectionString };
        switch (rule)
        {
            case "ConnectionString": options.ConnectionString = ""; break;
            case "LockTimeout": options.LockTimeout = TimeSpan.FromSeconds(-2); break;
            case "Slice": options.Disposition = WriteDisposition.ReplacePartition; break;
            case "CreatePrimaryKey": options.CreatePrimaryKey = false; break;
            case "RunSlice": options.RunSlice = _ => DuckDbSlice.Where("true"); break;
            case "Disposition": options.Disposition = WriteDisposition.Append; break;
        }

        var act = () => new DuckDbSink<DailyAggregate>(Fixtures.Mapping(), options);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage($"The options of the DuckDB sink of table 'daily_aggregates' are not valid: {expected} (Parameter 'options')");
    }

    [Fact]
    public void Source_EmptyConnectionString_ThrowsNamingPropertyExpectedAndFound()
    {
        var act = () => new DuckDbSource<DailyAggregate>(Fixtures.Mapping(), new DuckDbSourceOptions { ConnectionString = " " });

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage("The options of the DuckDB source of DailyAggregate are not valid: DuckDbSourceOptions.ConnectionString must be set, found ' '. (Parameter 'options')");
    }

    [Fact]
    public void Sink_SeveralRulesBroken_ListsEveryFailure()
    {
        var act = () => new DuckDbSink<DailyAggregate>(Fixtures.Mapping(), new DuckDbSinkOptions { LockTimeout = TimeSpan.FromSeconds(-1), Disposition = WriteDisposition.ReplacePartition });

        act.Should().Throw<ArgumentException>().WithMessage(
            "*DuckDbSinkOptions.ConnectionString must be set, found ''. DuckDbSinkOptions.LockTimeout must not be negative, found -00:00:01. DuckDbSinkOptions.Slice must be set for the disposition ReplacePartition, found null.*");
    }
}
