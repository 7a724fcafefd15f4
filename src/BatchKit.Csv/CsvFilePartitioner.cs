namespace BatchKit.Csv;

/// <summary>
/// Plans one partition per file of a directory that matches a pattern, ordered by file name (ordinal), with
/// <see cref="PartitionDescriptor.File"/> descriptors. Works for any file format, not only CSV.
/// </summary>
/// <remarks>
/// A partition's id is its file name without the extension, sanitized for file names (<c>orders-01</c>; see
/// <see cref="PartitionIds.FromRelativePaths"/>), with a short hash suffix when two matching files give the same id
/// (ignoring case); ids never depend on the other files. Each partition records its file's <see cref="InputIdentity"/>.
/// </remarks>
public sealed class CsvFilePartitioner : IPartitioner
{
    private readonly string _directory;
    private readonly string _searchPattern;

    /// <summary>Initializes a new instance of the <see cref="CsvFilePartitioner"/> class.</summary>
    /// <param name="directory">The directory to list (not its subdirectories).</param>
    /// <param name="searchPattern">The file name pattern, with <c>*</c> and <c>?</c> wildcards.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> or <paramref name="searchPattern"/> is empty.</exception>
    public CsvFilePartitioner(string directory, string searchPattern = "*.csv")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(searchPattern);
        _directory = Path.GetFullPath(directory);
        _searchPattern = searchPattern;
    }

    /// <inheritdoc/>
    public string Definition => $"files matching '{_searchPattern}' in '{_directory}'";

    /// <summary>Lists the matching files and makes a partition of each.</summary>
    /// <param name="context">The run being planned.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The partitions, ordered by file name.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        if (!Directory.Exists(_directory))
        {
            throw new DirectoryNotFoundException($"Expected the input directory '{_directory}' to exist, found nothing there.");
        }

        var files = Directory.GetFiles(_directory, _searchPattern, SearchOption.TopDirectoryOnly);
        Array.Sort(files, StringComparer.Ordinal);
        var ids = PartitionIds.FromRelativePaths(files.Select(Path.GetFileName).ToList()!);
        var partitions = new Partition[files.Length];
        for (var i = 0; i < files.Length; i++)
        {
            partitions[i] = new Partition(i, ids[i], PartitionDescriptor.File(files[i])) { InputIdentity = InputIdentity.OfFile(files[i]) };
        }

        return ValueTask.FromResult<IReadOnlyList<Partition>>(partitions);
    }
}
