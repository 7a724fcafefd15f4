using System.Globalization;

namespace BatchKit;

/// <summary>
/// Splits each whole-file partition of another partitioner (local files, or objects such as <c>s3://bucket/key</c>)
/// into byte ranges of about the same size, so one large line-delimited input is read by several partitions at once.
/// </summary>
/// <remarks>
/// <para>
/// A line belongs to the range its first byte falls in: a reader of the range <c>[start, end)</c> skips the line that
/// began before <c>start</c> and reads every line that begins before <c>end</c>, the last one past <c>end</c> if need be.
/// Every line is read once, by exactly one range. This holds for line-delimited formats whose records never span lines:
/// <see cref="JsonLinesSource{T}"/> reads <c>bytes:</c> descriptors (<see cref="PartitionDescriptor.Bytes"/>).
/// </para>
/// <para>
/// Sizes are read while planning, through <see cref="IInputOpener"/> (a file's length, an object's HEAD). An input no
/// larger than one range stays its original partition; a larger one becomes partitions with ids
/// <c>&lt;file id&gt;-b-0000</c>, <c>-b-0001</c>, …, each keeping the file partition's
/// <see cref="Partition.InputIdentity"/>, so a changed input is still detected when a run resumes.
/// </para>
/// </remarks>
public sealed class ByteRangePartitioner : IPartitioner
{
    private readonly IPartitioner _files;
    private readonly long _bytesPerPartition;
    private readonly IInputOpener _opener;

    /// <summary>Initializes a new instance of the <see cref="ByteRangePartitioner"/> class.</summary>
    /// <param name="files">The partitioner whose partitions each name one input with a <c>file:&lt;location&gt;</c> descriptor.</param>
    /// <param name="bytesPerPartition">The size of each range, in bytes (at least 1).</param>
    /// <param name="opener">Opens each input to read its size; the opener the source reads through. The default value is <see cref="LocalFileOpener.Instance"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytesPerPartition"/> is less than 1.</exception>
    public ByteRangePartitioner(IPartitioner files, long bytesPerPartition, IInputOpener? opener = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerPartition, 1);
        _files = files;
        _bytesPerPartition = bytesPerPartition;
        _opener = opener ?? LocalFileOpener.Instance;
        Definition = string.Create(CultureInfo.InvariantCulture, $"{files.Definition}, split into ranges of {bytesPerPartition} bytes");
    }

    /// <inheritdoc/>
    public string Definition { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A partition of the inner partitioner does not name one file.</exception>
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
                    $"Byte-range partitioning splits whole-file partitions ('file:<location>'), but partition '{file.Id}' of " +
                    $"'{_files.Definition}' has the descriptor '{file.Descriptor}'.",
                    nameof(context));
            }

            var location = PartitionDescriptor.ParseFile(file.Descriptor);
            long size;
            var stream = await _opener.OpenReadAsync(location, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                size = stream.Length;
            }

            if (size <= _bytesPerPartition)
            {
                partitions.Add(file with { Index = partitions.Count });
                continue;
            }

            for (long start = 0, n = 0; start < size; start += _bytesPerPartition, n++)
            {
                var id = file.Id + "-b-" + n.ToString("D4", CultureInfo.InvariantCulture);
                var end = Math.Min(start + _bytesPerPartition, size);
                partitions.Add(new Partition(partitions.Count, id, PartitionDescriptor.Bytes(location, start, end)) { InputIdentity = file.InputIdentity });
            }
        }

        return partitions;
    }
}
