using System.Globalization;
using Parquet;

namespace BatchKit.Parquet;

/// <summary>
/// Plans the partitions of a set of Parquet files (natural partitioning): one partition per file, or one per range of
/// row groups within each file.
/// </summary>
/// <remarks>
/// <para>
/// Files are listed when the run is planned and sorted by full path (ordinal), so the same files always give the same
/// plan. Partition ids derive from the file's path relative to the directory (<see cref="PartitionIds.FromRelativePaths"/>),
/// never from its position: <c>2026-11-22/events-01.parquet</c> gives <c>2026-11-22_events-01</c>, and
/// <c>2026-11-22_events-01-rg-0004</c> for its row groups starting at the fifth. Each partition records its file's
/// <see cref="InputIdentity"/> (size, modification time, a hash of the first and last 64 KiB, which hold the footer). Descriptors are <c>file:&lt;path&gt;</c> (<see cref="PartitionDescriptor.File"/>)
/// or <c>parquet:&lt;path&gt;#rg=&lt;first&gt;-&lt;end&gt;</c> (<see cref="ParquetPartitionDescriptor"/>), which
/// <see cref="ParquetSource{T}"/> reads directly.
/// </para>
/// <para>
/// The unpublished files of <see cref="ParquetSink{T}"/> (names ending in <c>.partial</c>, or containing <c>.tmp-</c>) are never listed.
/// Row-group partitioning reads each file's footer while planning; whole-file partitioning opens no file.
/// </para>
/// </remarks>
public sealed class ParquetPartitioner : IPartitioner
{
    private readonly Func<IEnumerable<string>> _listFiles;
    private readonly int _rowGroupsPerPartition;
    private readonly string? _root;

    private ParquetPartitioner(Func<IEnumerable<string>> listFiles, int rowGroupsPerPartition, string? root, string definition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowGroupsPerPartition);
        _listFiles = listFiles;
        _rowGroupsPerPartition = rowGroupsPerPartition;
        _root = root;
        Definition = definition + (rowGroupsPerPartition == 0
            ? ", one partition per file"
            : string.Create(CultureInfo.InvariantCulture, $", {rowGroupsPerPartition} row groups per partition"));
    }

    /// <inheritdoc/>
    public string Definition { get; }

    /// <summary>Creates a partitioner over the files of a directory that match a pattern.</summary>
    /// <param name="directory">The directory.</param>
    /// <param name="searchPattern">The file name pattern, with <c>*</c> and <c>?</c> wildcards.</param>
    /// <param name="recursive"><see langword="true"/> to include subdirectories.</param>
    /// <param name="rowGroupsPerPartition">0 for one partition per file; otherwise the number of row groups per partition.</param>
    /// <returns>The partitioner.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> or <paramref name="searchPattern"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowGroupsPerPartition"/> is negative.</exception>
    public static ParquetPartitioner ForDirectory(string directory, string searchPattern = "*.parquet", bool recursive = false, int rowGroupsPerPartition = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(searchPattern);
        var root = Path.GetFullPath(directory);
        var option = recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
        return new ParquetPartitioner(
            () => Directory.EnumerateFiles(root, searchPattern, option),
            rowGroupsPerPartition,
            root,
            $"Parquet files matching '{searchPattern}' in '{root}'" + (recursive ? " and its subdirectories" : string.Empty));
    }

    /// <summary>Creates a partitioner over a list of files.</summary>
    /// <param name="files">The file paths; duplicates are removed.</param>
    /// <param name="rowGroupsPerPartition">0 for one partition per file; otherwise the number of row groups per partition.</param>
    /// <returns>The partitioner.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowGroupsPerPartition"/> is negative.</exception>
    public static ParquetPartitioner ForFiles(IEnumerable<string> files, int rowGroupsPerPartition = 0)
    {
        ArgumentNullException.ThrowIfNull(files);
        var list = files.ToList();
        return new ParquetPartitioner(() => list, rowGroupsPerPartition, null, "Parquet files " + string.Join(", ", list.Select(f => "'" + f + "'")));
    }

    /// <summary>
    /// Splits each whole-file partition of another partitioner into partitions of consecutive row groups: for Parquet
    /// objects in object storage (an object store adapter's partitioner with its opener), or files listed by any partitioner.
    /// </summary>
    /// <param name="files">
    /// The partitioner whose partitions each name one Parquet input with a <c>file:&lt;location&gt;</c> descriptor
    /// (<see cref="PartitionDescriptor.File"/>), such as an object store adapter's object partitioner.
    /// </param>
    /// <param name="rowGroupsPerPartition">The number of row groups per partition (at least 1).</param>
    /// <param name="opener">
    /// Opens each input to read its footer while planning; the same opener the <see cref="ParquetSource{T}"/> reads
    /// through (<see cref="ParquetSource{T}.Opener"/>). The default value is <see cref="LocalFileOpener.Instance"/>.
    /// </param>
    /// <returns>
    /// A partitioner whose partition ids are the file partition's id followed by <c>-rg-</c> and the first row group
    /// (<c>0004</c>), whose descriptors are <c>parquet:&lt;location&gt;#rg=&lt;first&gt;-&lt;end&gt;</c>, and which keeps
    /// each file partition's <see cref="Partition.InputIdentity"/>, so a changed input is detected as before. An input with no
    /// row groups stays one partition. An input that is not a Parquet file fails planning with an
    /// <see cref="InvalidDataException"/> naming it.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowGroupsPerPartition"/> is less than 1.</exception>
    public static IPartitioner ByRowGroups(IPartitioner files, int rowGroupsPerPartition, IInputOpener? opener = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupsPerPartition, 1);
        return new Internal.RowGroupPartitioner(files, rowGroupsPerPartition, opener ?? LocalFileOpener.Instance);
    }

    /// <inheritdoc/>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not a readable Parquet file (row-group partitioning only).</exception>
    public async ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var files = _listFiles()
            .Select(Path.GetFullPath)
            .Where(f => !Path.GetFileName(f).Contains(".tmp-", StringComparison.Ordinal) && !f.EndsWith(".partial", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var ids = PartitionIds.FromRelativePaths(files.Select(f => _root is null ? Path.GetFileName(f) : Path.GetRelativePath(_root, f)).ToList());
        var partitions = new List<Partition>();
        for (var f = 0; f < files.Count; f++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fileId = ids[f];
            var identity = InputIdentity.OfFile(files[f]);
            var rowGroups = _rowGroupsPerPartition == 0 ? 0 : await CountRowGroupsAsync(files[f], cancellationToken).ConfigureAwait(false);
            if (rowGroups == 0)
            {
                partitions.Add(new Partition(partitions.Count, fileId, PartitionDescriptor.File(files[f])) { InputIdentity = identity });
                continue;
            }

            for (var first = 0; first < rowGroups; first += _rowGroupsPerPartition)
            {
                var end = Math.Min(first + _rowGroupsPerPartition, rowGroups);
                var id = fileId + "-rg-" + first.ToString("D4", CultureInfo.InvariantCulture);
                partitions.Add(new Partition(partitions.Count, id, ParquetPartitionDescriptor.Format(files[f], first, end)) { InputIdentity = identity });
            }
        }

        return partitions;
    }

    private static async ValueTask<int> CountRowGroupsAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = await ParquetReader.CreateAsync(path, null, cancellationToken).ConfigureAwait(false);
            return reader.RowGroupCount;
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidDataException($"Parquet file '{path}' cannot be read while planning partitions: {ex.Message}", ex);
        }
    }
}
