using BatchKit.Parquet.Internal;

namespace BatchKit.Parquet;

/// <summary>
/// Reads records from Parquet files, one partition at a time: a whole file (<c>file:&lt;path&gt;</c>) or a range of its
/// row groups (<c>parquet:&lt;path&gt;#rg=&lt;first&gt;-&lt;end&gt;</c>), as planned by <see cref="ParquetPartitioner"/>.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// Reading is column-wise: each needed column of a row group is decoded once into a typed array, and records are
/// built from the arrays by a loop compiled once per record type (or by an <see cref="IParquetRowMapper{T}"/>).
/// The decoded row group stays buffered in the reader, so memory grows with the row group size, not the file size.
/// </para>
/// <para>
/// <see cref="ISourceReader{T}.Position"/> is the number of rows of the partition already returned. A reader opened at
/// position <c>P</c> skips whole row groups by their row counts in the file footer, without decoding them, then skips
/// the remaining rows of the row group it lands in.
/// </para>
/// <para>
/// When a partition is opened, its file's schema is checked before any record is returned: every mapped column must
/// exist and have a type that converts to its property without loss, otherwise a <see cref="ParquetSchemaException"/>
/// names the file, the column, the expected and the found type. Accepted conversions: the same type; integers of 8 to 32
/// bits to <see cref="int"/> or <see cref="long"/>; float to double; Parquet timestamps (milli-, micro-, nanoseconds and
/// INT96) to <see cref="DateTime"/> (<see cref="DateTimeKind.Utc"/> when the column is adjusted to UTC, otherwise
/// <see cref="DateTimeKind.Unspecified"/>) or to <see cref="DateTimeOffset"/> (offset zero; a timestamp not adjusted to
/// UTC is taken as UTC); dates to <see cref="DateOnly"/> or <see cref="DateTime"/>. A nullable column may feed a
/// non-nullable property (a non-nullable value type, or a <see langword="string"/> annotated as not null under C#
/// nullable reference types): a row holding such a null is skipped and reported as a bad record
/// (<see cref="SourceContext.ReportBadRecord"/>), so it becomes an error record naming the file, row group, row and
/// column, like any other invalid record.
/// </para>
/// <para>The source is thread-safe: every partition gets its own reader.</para>
/// </remarks>
public sealed class ParquetSource<T> : ISource<T>
{
    private readonly Func<RowMaterializer<T>> _materializer;

    /// <summary>Initializes a new instance of the <see cref="ParquetSource{T}"/> class that maps columns to properties by name.</summary>
    /// <exception cref="ArgumentException">A property has an unsupported type (such as <see cref="Guid"/> or <see cref="TimeSpan"/>).</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no constructor the mapping can use.</exception>
    public ParquetSource()
        : this(new ParquetRecordMap<T>())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ParquetSource{T}"/> class with a property mapping.</summary>
    /// <param name="map">The mapping of properties to columns.</param>
    /// <exception cref="ArgumentException">A property that is not ignored has an unsupported type (such as <see cref="Guid"/> or <see cref="TimeSpan"/>).</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no constructor the mapping can use.</exception>
    public ParquetSource(ParquetRecordMap<T> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        map.Bindings.ThrowIfUnsupported(writing: false);
        var materializer = new MapMaterializer<T>(map);
        _materializer = () => materializer;
    }

    /// <summary>Initializes a new instance of the <see cref="ParquetSource{T}"/> class with a custom row mapper.</summary>
    /// <param name="mapper">Builds records from the decoded column arrays.</param>
    /// <exception cref="ArgumentException">A column of the mapper asks for an unsupported type.</exception>
    public ParquetSource(IParquetRowMapper<T> mapper)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        var materializer = new CustomMaterializer<T>(mapper);
        _materializer = () => materializer;
    }

    /// <summary>Gets the opener of the files (or objects) that partitions name.</summary>
    /// <value>
    /// The default value is <see cref="LocalFileOpener.Instance"/>; an object store adapter's opener reads objects such as
    /// <c>s3://bucket/key</c> through a seekable stream (the footer first, then the column chunks of each row group).
    /// </value>
    public IInputOpener Opener { get; init; } = LocalFileOpener.Instance;

    /// <inheritdoc/>
    /// <exception cref="FormatException">The partition descriptor is not a Parquet descriptor.</exception>
    /// <exception cref="ParquetSchemaException">The file lacks a mapped column, or a column has an incompatible type.</exception>
    /// <exception cref="InvalidDataException">The partition's row groups or position are outside the file.</exception>
    public async ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var slice = ParquetPartitionDescriptor.Parse(context.Partition.Descriptor);
        return await ParquetSourceReader<T>.OpenAsync(slice, Opener, _materializer(), context.Position, context, cancellationToken).ConfigureAwait(false);
    }
}
