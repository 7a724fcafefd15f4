using Npgsql;

namespace BatchKit.Cli.Tests;

/// <summary>How --store text is recognised as PostgreSQL, and libpq URIs converted to Npgsql keywords.</summary>
public sealed class PostgresConnectionStringTests
{
    [Theory]
    [InlineData("Host=db;Database=app", true)]
    [InlineData("postgres://db/app", true)]
    [InlineData("POSTGRESQL://db", true)]
    [InlineData("/data/batchkit-state.db", false)]
    [InlineData("state.db", false)]
    public void Recognizes_ConnectionStringsButNotPaths(string text, bool expected) =>
        PostgresConnectionString.Recognizes(text).Should().Be(expected);

    [Fact]
    public void Parse_Uri_DecodesUserPasswordHostsDatabaseAndParameters()
    {
        var builder = PostgresConnectionString.Parse("postgresql://us%40er:p%3Ass%2Fw@h1:5433,h2/db%20x?sslmode=verify-full&application_name=night%20jobs&connect_timeout=7");

        builder.Username.Should().Be("us@er");
        builder.Password.Should().Be("p:ss/w");
        builder.Host.Should().Be("h1:5433,h2");
        builder.Database.Should().Be("db x");
        builder.SslMode.Should().Be(SslMode.VerifyFull);
        builder.ApplicationName.Should().Be("night jobs");
        builder.Timeout.Should().Be(7);
    }

    [Theory]
    [InlineData("postgres://[::1]:6543/app", "::1", 6543)]
    [InlineData("postgres://db.example.com/app", "db.example.com", 5432)]
    [InlineData("postgres://batch@10.0.0.5:5444", "10.0.0.5", 5444)]
    public void Parse_Uri_SplitsHostAndPort(string uri, string host, int port)
    {
        var builder = PostgresConnectionString.Parse(uri);

        builder.Host.Should().Be(host);
        builder.Port.Should().Be(port);
        PostgresConnectionString.Describe(builder).Should().StartWith(host + ":" + port);
    }

    [Theory]
    [InlineData("postgres://batch:s3cret@db:notaport/app")]
    [InlineData("postgres://batch:s3cret@db/app?no_such_parameter=s3cret")]
    public void Parse_MalformedUri_ThrowsExit5WithoutThePassword(string uri)
    {
        var act = () => PostgresConnectionString.Parse(uri);

        var error = act.Should().Throw<CliException>().Which;
        error.ExitCode.Should().Be(5);
        error.Message.Should().NotContain("s3cret");
    }
}
