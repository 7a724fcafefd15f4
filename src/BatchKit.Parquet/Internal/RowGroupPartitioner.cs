using System.Globalization;
using Parquet;

namespace BatchKit.Parquet.Internal;

/// <summary>
/// Splits each whole-file partition of another partitioner (local files, or objects such as <c>s3://bucket/key</c>) into
/// partitions of consecutive row groups, reading each input's footer through an <see cref="IInputOpener"/> while planning.
/// </summary>
internal sealed class RowGroupPartitioner : IPartitioner
{
    private readonly IPartitioner _files;
    private readonly int _rowGroupsPerPartition;
    private readonly IInputOpener _opener;

    public RowGroupPartitioner(IPartitioner files, int rowGroupsPerPartition, IInputOpener opener)
    {
        _files = files;
        _rowGroupsPerPartition = rowGroupsPerPartition;
        _opener = opener;
        Definition = string.Create(CultureInfo.InvariantCulture, $"{files.Definition}, {rowGroupsPerPartition} row groups per partition");
    }

    public string Definition { get; }

    public async ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
    {
        var files = await _files.PlanAsync(context, cancellationToken).ConfigureAwait(false);
        var partitions = new List<Partition>();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!file.Descriptor.StartsWith("file:", StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"Row-group partitioning splits whole-file partitions ('file:<location>'), but partition '{file.Id}' of " +
                    $"'{_files.Definition}' has the descriptor '{file.Descriptor}'.",
                    nameof(context));
            }

            var location = PartitionDescriptor.ParseFile(file.Descriptor);
            var rowGroups = await CountRowGroupsAsync(location, cancellationToken).ConfigureAwait(false);
            if (rowGroups == 0)
            {
                // A file with no row groups holds no rows; it stays one (empty) partition so the plan still names it.
                partitions.Add(file with { Index = partitions.Count });
                continue;
            }

            for (var first = 0; first < rowGroups; first += _rowGroupsPerPartition)
            {
                var end = Math.Min(first + _rowGroupsPerPartition, rowGroups);
                var id = file.Id + "-rg-" + first.ToString("D4", CultureInfo.InvariantCulture);
                partitions.Add(new Partition(partitions.Count, id, ParquetPartitionDescriptor.Format(location, first, end)) { InputIdentity = file.InputIdentity });
            }
        }

        return partitions;
    }

    private async ValueTask<int> CountRowGroupsAsync(string location, CancellationToken cancellationToken)
    {
        var stream = await _opener.OpenReadAsync(location, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                await using var reader = await ParquetReader.CreateAsync(stream, null, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
                return reader.RowGroupCount;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException && ex is not FileNotFoundException and not DirectoryNotFoundException)
            {
                throw new InvalidDataException($"Parquet input '{location}' cannot be read while planning row-group partitions: {ex.Message}", ex);
            }
        }
    }
}
