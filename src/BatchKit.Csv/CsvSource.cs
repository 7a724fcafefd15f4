namespace BatchKit.Csv;

/// <summary>
/// Reads records from CSV files, one file per partition (partition descriptors made by
/// <see cref="PartitionDescriptor.File"/>, as <see cref="CsvFilePartitioner"/> plans them), or, with
/// <see cref="CsvSourceOptions.ReadByteRanges"/>, one byte range of a file per partition
/// (<see cref="PartitionDescriptor.Bytes"/>, as <see cref="ByteRangePartitioner"/> plans them).
/// </summary>
/// <typeparam name="T">
/// The record type: a class with a public parameterless constructor and settable properties, or a positional record.
/// Properties read the column <see cref="CsvSourceOptions.ColumnNaming"/> finds for their name (or the column
/// <see cref="CsvSourceOptions.ColumnNames"/> names for them).
/// </typeparam>
/// <remarks>
/// <para>
/// The position is the byte offset just after the last row read, so a resumed partition seeks straight to it; the
/// header is still read from the start of the file, and line numbers stay those of the whole file.
/// </para>
/// <para>
/// A byte range <c>[start, end)</c> reads the records whose first byte lies inside it (see
/// <see cref="CsvSourceOptions.ReadByteRanges"/>); its position is a byte offset too, and its bad records name the
/// byte offset where the row begins (their offset is that byte offset), since counting the lines before the range
/// would read everything before it.
/// </para>
/// <para>
/// Malformed rows (a wrong number of columns, a value that does not parse, bad quoting) are reported through
/// <see cref="SourceContext.ReportBadRecord"/> with their line number as offset, their raw text, and a reason naming
/// the file, line, column, the expected and the found; reading then goes on with the next row. A quote left open at
/// the end of a line costs that line only. Thread-safe: each partition gets its own reader.
/// </para>
/// </remarks>
public sealed class CsvSource<T> : ISource<T>
    where T : class
{
    private readonly CsvSourceOptions _options;

    /// <summary>Initializes a new instance of the <see cref="CsvSource{T}"/> class.</summary>
    /// <param name="options">The options, or <see langword="null"/> for the defaults. They are copied.</param>
    public CsvSource(CsvSourceOptions? options = null)
    {
        options ??= new CsvSourceOptions();
        ArgumentNullException.ThrowIfNull(options.Culture);
        _options = new CsvSourceOptions
        {
            Culture = options.Culture,
            Delimiter = options.Delimiter,
            HasHeader = options.HasHeader,
            TrimWhitespace = options.TrimWhitespace,
            ColumnNaming = options.ColumnNaming,
            ReadByteRanges = options.ReadByteRanges,
        };
        foreach (var column in options.Columns)
        {
            _options.Columns.Add(column);
        }

        foreach (var (property, column) in options.ColumnNames)
        {
            _options.ColumnNames[property] = column;
        }
    }

    /// <summary>Gets the opener of the files (or objects) that partitions name.</summary>
    /// <value>The default value is <see cref="LocalFileOpener.Instance"/>; an object store adapter's opener reads objects such as <c>s3://bucket/key</c>.</value>
    public IInputOpener Opener { get; init; } = LocalFileOpener.Instance;

    /// <summary>Opens the file of a partition at <see cref="SourceContext.Position"/>.</summary>
    /// <param name="context">The run, the partition (a <c>file:</c> or <c>bytes:</c> descriptor) and the byte offset to resume at.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A reader positioned at the first row at or after the offset.</returns>
    /// <exception cref="FormatException">The partition descriptor is neither a file nor a byte range.</exception>
    /// <exception cref="NotSupportedException">The partition is a byte range and <see cref="CsvSourceOptions.ReadByteRanges"/> is off.</exception>
    /// <exception cref="InvalidDataException">The file lacks a column the record type needs, or is shorter than the position.</exception>
    /// <exception cref="NotSupportedException">A property of the record type has a type that cannot be read from text.</exception>
    public async ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var descriptor = context.Partition.Descriptor;
        if (!descriptor.StartsWith("bytes:", StringComparison.Ordinal))
        {
            var path = PartitionDescriptor.ParseFile(descriptor);
            return await CsvSourceReader<T>.OpenAsync(path, Opener, context, _options, range: null, cancellationToken).ConfigureAwait(false);
        }

        var (location, start, end) = PartitionDescriptor.ParseBytes(descriptor);
        if (!_options.ReadByteRanges)
        {
            throw new NotSupportedException(
                $"Partition '{context.Partition.Id}' is the byte range [{start}, {end}) of {location}, but CsvSourceOptions.ReadByteRanges is off. " +
                "A CSV file can be read in byte ranges only when no quoted value holds a line break: set ReadByteRanges = true if that holds " +
                "for your files, or partition per file (CsvFilePartitioner).");
        }

        return await CsvSourceReader<T>.OpenAsync(location, Opener, context, _options, new CsvByteRange(start, end), cancellationToken).ConfigureAwait(false);
    }
}
