using System.IO.Compression;
using BatchKit.Shared;
using Parquet;

namespace BatchKit.Parquet;

/// <summary>Configures a <see cref="ParquetSink{T}"/>.</summary>
public sealed class ParquetSinkOptions
{
    /// <summary>Gets or sets the number of rows per row group; rows are buffered column-wise until a row group is full.</summary>
    /// <value>The default value is 131072.</value>
    [AtLeast(1)]
    public int RowGroupSize { get; set; } = 128 * 1024;

    /// <summary>Gets or sets the compression codec. Every codec but <see cref="CompressionMethod.Lzo"/> can be written.</summary>
    /// <value>The default value is <see cref="CompressionMethod.Snappy"/>.</value>
    public CompressionMethod Compression { get; set; } = CompressionMethod.Snappy;

    /// <summary>Gets or sets the compression level, for codecs that have levels (gzip, brotli, zstd).</summary>
    /// <value>The default value is <see cref="System.IO.Compression.CompressionLevel.Optimal"/>.</value>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Optimal;

    /// <summary>Gets or sets a value indicating whether string columns are dictionary-encoded.</summary>
    /// <value>The default value is <see langword="false"/> (plain encoding).</value>
    public bool DictionaryEncodeStrings { get; set; }

    /// <summary>
    /// Gets or sets the function that names a partition's output file, relative to the run's folder under the sink's
    /// directory (<c>&lt;directory&gt;/&lt;key&gt;=&lt;value&gt;/</c>, see <see cref="OutputPaths"/>), so runs for different
    /// parameters never overwrite each other. <see langword="null"/> names it <c>&lt;partition id&gt;.parquet</c>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<Partition, string>? FileName { get; set; }
}
