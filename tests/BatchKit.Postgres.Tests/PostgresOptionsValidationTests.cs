namespace BatchKit.Postgres.Tests;

// The options are validated before any connection is opened: these tests need no server.
public sealed class PostgresOptionsValidationTests
{
    private const string ConnectionString = "Host=127.0.0.1;Database=batchkit_none;Username=none";

    public static TheoryData<string, string> SourceRules => new()
    {
        { "Table", "PostgresSourceOptions.Table must be set, found ''." },
        { "KeyColumn", "PostgresSourceOptions.KeyColumn must be set, found '  '." },
        { "PageSize", "PostgresSourceOptions.PageSize must be between 1 and 10000000, found 0." },
        { "PageSizeHigh", "PostgresSourceOptions.PageSize must be between 1 and 10000000, found 10000001." },
        { "DataSource", "PostgresSourceOptions.DataSource, ReadReplica or ConnectionString must be set, found none." },
    };

    public static TheoryData<string, string> SinkRules => new()
    {
        { "MaxConnections", "PostgresSinkOptions.MaxConnections must be between 1 and 1000, found 0." },
        { "MaxConnectionsHigh", "PostgresSinkOptions.MaxConnections must be between 1 and 1000, found 1001." },
        { "DataSource", "PostgresSinkOptions.DataSource or ConnectionString must be set, found neither." },
        { "Slice", "PostgresSinkOptions.Slice must be set for the disposition ReplacePartition, found null." },
        { "Disposition", "PostgresSinkOptions.Disposition must be Upsert, Append or ReplacePartition, found 42." },
    };

    public static TheoryData<string, string> StoreRules => new()
    {
        { "MaxConnections", "PostgresCheckpointStoreOptions.MaxConnections must be between 1 and 1000, found -1." },
        { "Schema", "PostgresCheckpointStoreOptions.Schema must be set, found ''." },
        { "IdleInTransactionTimeout", "PostgresCheckpointStoreOptions.IdleInTransactionTimeout must not be negative, found -00:00:01." },
        { "DataSource", "PostgresCheckpointStoreOptions.DataSource or ConnectionString must be set, found neither." },
    };

    [Theory]
    [MemberData(nameof(SourceRules))]
    public void Source_OptionBreaksRule_ThrowsNamingPropertyExpectedAndFound(string rule, string expected)
    {
        var options = new PostgresSourceOptions { Table = "orders", ConnectionString = ConnectionString };
        switch (rule)
        {
            case "Table": options.Table = ""; break;
            case "KeyColumn": options.KeyColumn = "  "; break;
            case "PageSize": options.PageSize = 0; break;
            case "PageSizeHigh": options.PageSize = 10_000_001; break;
            case "DataSource": options.ConnectionString = null; break;
        }

        var act = () => new PostgresSource<Order>(options);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage($"The options of the PostgreSQL source of table '{options.Table}' are not valid: {expected} (Parameter 'options')");
    }

    [Theory]
    [MemberData(nameof(SinkRules))]
    public void Sink_OptionBreaksRule_ThrowsNamingPropertyExpectedAndFound(string rule, string expected)
    {
        var options = new PostgresSinkOptions { ConnectionString = ConnectionString };
        switch (rule)
        {
            case "MaxConnections": options.MaxConnections = 0; break;
            case "MaxConnectionsHigh": options.MaxConnections = 1001; break;
            case "DataSource": options.ConnectionString = null; break;
            case "Slice": options.Disposition = WriteDisposition.ReplacePartition; break;
            case "Disposition": options.Disposition = (WriteDisposition)42; break;
        }

        var act = () => new PostgresSink<Order>(new PostgresTableMapping<Order>("orders").HasKey(o => o.Id), options);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage($"The options of the PostgreSQL sink of table 'orders' are not valid: {expected} (Parameter 'options')");
    }

    [Theory]
    [MemberData(nameof(StoreRules))]
    public void Store_OptionBreaksRule_ThrowsNamingPropertyExpectedAndFound(string rule, string expected)
    {
        var options = new PostgresCheckpointStoreOptions { ConnectionString = ConnectionString };
        switch (rule)
        {
            case "MaxConnections": options.MaxConnections = -1; break;
            case "Schema": options.Schema = ""; break;
            case "IdleInTransactionTimeout": options.IdleInTransactionTimeout = TimeSpan.FromSeconds(-1); break;
            case "DataSource": options.ConnectionString = null; break;
        }

        var act = () => new PostgresCheckpointStore(options);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "options")
            .WithMessage($"The options of the PostgreSQL state store are not valid: {expected} (Parameter 'options')");
    }

    [Fact]
    public void Sink_SeveralRulesBroken_ListsEveryFailure()
    {
        var options = new PostgresSinkOptions { MaxConnections = 0, Disposition = WriteDisposition.ReplacePartition };

        var act = () => new PostgresSink<Order>(new PostgresTableMapping<Order>("orders").HasKey(o => o.Id), options);

        act.Should().Throw<ArgumentException>().WithMessage(
            "The options of the PostgreSQL sink of table 'orders' are not valid: PostgresSinkOptions.MaxConnections must be between 1 and 1000, found 0. " +
            "PostgresSinkOptions.DataSource or ConnectionString must be set, found neither. " +
            "PostgresSinkOptions.Slice must be set for the disposition ReplacePartition, found null. (Parameter 'options')");
    }
}
