using System.Reflection;

namespace BatchKit.DuckDb.Internal;

/// <summary>One mapped column of a table.</summary>
/// <param name="Property">The property the column holds.</param>
/// <param name="Name">The column name.</param>
/// <param name="DuckDbType">The DuckDB type.</param>
/// <param name="NotNull">Whether the column is declared NOT NULL.</param>
internal sealed record MappedColumn(PropertyInfo Property, string Name, string DuckDbType, bool NotNull)
{
    /// <summary>Gets the quoted column name.</summary>
    public string Quoted { get; } = Sql.Quote(Name);

    /// <summary>Gets the column definition for CREATE TABLE.</summary>
    public string Definition => $"{Quoted} {DuckDbType}{(NotNull ? " NOT NULL" : string.Empty)}";
}
