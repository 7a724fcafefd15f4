namespace BatchKit.Parquet;

/// <summary>
/// A Parquet file does not have the columns a source needs: a column is missing, or its type cannot be read into the
/// mapped property. Raised when a partition is opened, before any of its records is returned.
/// </summary>
public sealed class ParquetSchemaException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="ParquetSchemaException"/> class.</summary>
    public ParquetSchemaException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ParquetSchemaException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ParquetSchemaException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ParquetSchemaException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ParquetSchemaException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets or initializes the path of the file.</summary>
    public string? FilePath { get; init; }

    /// <summary>Gets or initializes the name of the column that is missing or has the wrong type.</summary>
    public string? ColumnName { get; init; }

    /// <summary>Gets or initializes the type the mapping expects, such as <c>long</c>.</summary>
    public string? ExpectedType { get; init; }

    /// <summary>Gets or initializes the column type found in the file, such as <c>string (nullable)</c>, or <c>missing</c>.</summary>
    public string? FoundType { get; init; }
}
