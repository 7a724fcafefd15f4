namespace BatchKit.DuckDb.Tests;

public sealed class DuckDbTableMappingTests
{
    [Fact]
    public void ToCreateTableSql_RecordType_SnakeCaseColumnsTypesAndKey()
    {
        var sql = Fixtures.Mapping().HasColumnName(x => x.EventCount, "events").ToCreateTableSql();

        sql.Should().Be(
            "CREATE TABLE IF NOT EXISTS \"daily_aggregates\" (\"event_date\" DATE NOT NULL, \"user_id\" BIGINT NOT NULL, \"event_type\" VARCHAR NOT NULL, " +
            "\"hour\" INTEGER NOT NULL, \"events\" BIGINT NOT NULL, \"amount\" DOUBLE NOT NULL, PRIMARY KEY (\"event_date\", \"user_id\", \"event_type\", \"hour\"))");
    }

    [Fact]
    public void ToCreateTableSql_NullableProperties_AreNullableColumns()
    {
        var sql = new DuckDbTableMapping<AllTypes>("t").ToCreateTableSql();

        sql.Should().Contain("\"optional_text\" VARCHAR,").And.Contain("\"optional_long\" BIGINT,").And.Contain("\"text\" VARCHAR NOT NULL")
            .And.Contain("\"price\" DECIMAL(38,9) NOT NULL").And.Contain("\"uuid\" UUID NOT NULL").And.Contain("\"timestamp\" TIMESTAMP NOT NULL");
    }

    [Fact]
    public void ToCreateTableSql_UnsupportedPropertyType_ThrowsNamingProperty()
    {
        var create = () => new DuckDbTableMapping<Unsupported>("t").ToCreateTableSql();
        var ignored = new DuckDbTableMapping<Unsupported>("t").Ignore(x => x.Link).ToCreateTableSql();

        create.Should().Throw<InvalidOperationException>().WithMessage("*Unsupported.Link*Uri*ignore*");
        ignored.Should().NotContain("link");
    }

    [Fact]
    public void HasKey_NotAProperty_Throws()
    {
        var act = () => new DuckDbTableMapping<Event>("t").HasKey(x => x.Name.Length);

        act.Should().Throw<ArgumentException>().WithMessage("*property of Event*");
    }
}
