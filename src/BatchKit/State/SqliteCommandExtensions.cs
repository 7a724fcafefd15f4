using Microsoft.Data.Sqlite;

namespace BatchKit;

/// <summary>Binds parameters and reads nullable columns of SQLite commands.</summary>
internal static class SqliteCommandExtensions
{
    /// <summary>Adds a parameter; <see langword="null"/> becomes SQL NULL.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The parameter name, with its prefix.</param>
    /// <param name="value">The value.</param>
    /// <returns>The same command.</returns>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Reads a text column that may be NULL.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The text, or <see langword="null"/>.</returns>
    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Reads a unix-millisecond column as an instant.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The instant, in UTC.</returns>
    public static DateTimeOffset GetInstant(this SqliteDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    /// <summary>Reads a unix-millisecond column that may be NULL as an instant.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The instant, in UTC, or <see langword="null"/>.</returns>
    public static DateTimeOffset? GetInstantOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
