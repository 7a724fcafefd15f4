namespace BatchKit.Csv;

/// <summary>
/// Plans one partition per input file, with <see cref="PartitionDescriptor.File"/> descriptors: the files of a
/// directory that match a pattern (the constructor), one file (<see cref="ForFile"/>) or a list of files
/// (<see cref="ForFiles"/>), ordered by path (ordinal). Works for any file format, not only CSV.
/// </summary>
/// <remarks>
/// A partition's id is its file name without the extension, sanitized for file names (<c>orders-01</c>; see
/// <see cref="PartitionIds.FromRelativePaths"/>), with a short hash suffix when two matching files give the same id
/// (ignoring case); ids never depend on the other files. Each partition records its file's <see cref="InputIdentity"/>.
/// </remarks>
public sealed class CsvFilePartitioner : IPartitioner
{
    private readonly string? _directory;
    private readonly string _searchPattern = "*.csv";
    private readonly string[]? _files;

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

    private CsvFilePartitioner(string[] files) => _files = files;

    /// <inheritdoc/>
    public string Definition => _files is null
        ? $"files matching '{_searchPattern}' in '{_directory}'"
        : "files " + string.Join(", ", _files.Select(f => $"'{f}'"));

    /// <summary>Plans one partition for one file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The partitioner.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static CsvFilePartitioner ForFile(string path) => ForFiles([path]);

    /// <summary>Plans one partition per file of a list, ordered by full path (ordinal); a file listed twice is one partition.</summary>
    /// <param name="paths">The files.</param>
    /// <returns>The partitioner.</returns>
    /// <exception cref="ArgumentException">The list is empty, or a path is empty.</exception>
    public static CsvFilePartitioner ForFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = paths.Select(p =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(p, nameof(paths));
            return Path.GetFullPath(p);
        }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return files.Length == 0 ? throw new ArgumentException("Expected at least one input file, found an empty list.", nameof(paths)) : new CsvFilePartitioner(files);
    }

    /// <summary>Lists the matching files and makes a partition of each.</summary>
    /// <param name="context">The run being planned.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The partitions, ordered by file name.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A listed file does not exist.</exception>
    public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var files = _files ?? ListDirectory(_directory!, _searchPattern);
        if (_files is not null && Array.Find(_files, f => !File.Exists(f)) is { } missing)
        {
            throw new FileNotFoundException($"Expected the input file '{missing}' to exist, found nothing there.", missing);
        }

        // Ids come from the paths below the files' common folder, so two listed files of one name in different folders differ.
        var root = _files is null ? _directory! : CommonFolder(files);
        var ids = PartitionIds.FromRelativePaths(files.Select(f => Path.GetRelativePath(root, f)).ToList());
        var partitions = new Partition[files.Length];
        for (var i = 0; i < files.Length; i++)
        {
            partitions[i] = new Partition(i, ids[i], PartitionDescriptor.File(files[i])) { InputIdentity = InputIdentity.OfFile(files[i]) };
        }

        return ValueTask.FromResult<IReadOnlyList<Partition>>(partitions);
    }

    private static string CommonFolder(string[] files)
    {
        var common = Path.GetDirectoryName(files[0])!;
        foreach (var file in files)
        {
            while (!file.StartsWith(common.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                common = Path.GetDirectoryName(common) ?? string.Empty;
                if (common.Length == 0)
                {
                    return Path.GetPathRoot(file)!;
                }
            }
        }

        return common;
    }

    private static string[] ListDirectory(string directory, string searchPattern)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Expected the input directory '{directory}' to exist, found nothing there.");
        }

        var files = Directory.GetFiles(directory, searchPattern, SearchOption.TopDirectoryOnly);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }
}
