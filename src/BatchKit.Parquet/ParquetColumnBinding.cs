namespace BatchKit.Parquet;

/// <summary>A column an <see cref="IParquetRowMapper{T}"/> needs, and the CLR type to decode it into.</summary>
/// <param name="ColumnName">
/// The column name: matched exactly first, then ignoring case and underscores (<c>UserId</c> matches <c>user_id</c>).
/// </param>
/// <param name="ClrType">
/// The element type of the decoded array: <see cref="long"/>, <see cref="int"/>, <see cref="double"/>, <see cref="float"/>,
/// <see cref="bool"/>, <see cref="string"/>, <see cref="decimal"/>, <see cref="DateTime"/>, <see cref="DateTimeOffset"/>,
/// <see cref="DateOnly"/>, or a nullable form of the value types.
/// </param>
public sealed record ParquetColumnBinding(string ColumnName, Type ClrType);
