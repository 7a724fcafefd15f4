using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;

namespace BatchKit.S3;

/// <summary>
/// Plans one partition per object under an S3 prefix (natural partitioning), listed page by page, optionally filtered by
/// a glob, with run-parameter placeholders in the prefix: <c>s3://events/raw/dt={date}/</c> lists
/// <c>raw/dt=2026-11-22/</c> for a run whose parameter <c>date</c> is 2026-11-22.
/// </summary>
/// <remarks>
/// <para>
/// Objects are ordered by key (ordinal). A partition's descriptor is <c>file:s3://bucket/key</c>
/// (<see cref="PartitionDescriptor.File"/>), which the JSON Lines, CSV and Parquet sources read through an
/// <see cref="S3InputOpener"/>; its id derives from the key relative to the prefix (<see cref="PartitionIds.FromRelativePaths"/>):
/// <c>part-01.parquet</c> gives <c>part-01</c>, <c>hour=03/part-01.parquet</c> gives <c>hour_03_part-01</c>.
/// </para>
/// <para>
/// Each partition records the object's key, size and ETag as its <see cref="Partition.InputIdentity"/>
/// (<c>size=…;etag=…;path=s3://bucket/key</c>). A resumed run lists the prefix again and fails with
/// <see cref="PlanMismatchException"/>, naming the object, when an object of an unfinished partition changed, vanished or
/// appeared; <see cref="RunOptions.Reprocess"/> plans again and reads the new objects.
/// </para>
/// <para>
/// The glob matches the key relative to the prefix: <c>*</c> matches within one path segment, <c>**</c> across segments,
/// <c>?</c> one character; <c>*.parquet</c> takes the objects directly under the prefix, <c>**.parquet</c> those below it
/// too. Without a glob every object under the prefix is taken. Keys ending in <c>/</c> (folder markers) are skipped.
/// </para>
/// </remarks>
public sealed class S3ObjectPartitioner : IPartitioner
{
    private readonly IAmazonS3 _client;
    private readonly string _template;
    private readonly string? _glob;
    private readonly Regex? _pattern;

    /// <summary>Initializes a new instance of the <see cref="S3ObjectPartitioner"/> class.</summary>
    /// <param name="client">The S3 client; not disposed by the partitioner.</param>
    /// <param name="prefixTemplate">The prefix to list, <c>s3://bucket/prefix/</c>, with <c>{name}</c> placeholders for run parameters.</param>
    /// <param name="glob">The pattern relative keys must match, or <see langword="null"/> for every object.</param>
    /// <exception cref="FormatException"><paramref name="prefixTemplate"/> is not an <c>s3://bucket/…</c> location.</exception>
    public S3ObjectPartitioner(IAmazonS3 client, string prefixTemplate, string? glob = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefixTemplate);
        _ = S3Uri.Parse(prefixTemplate);
        _client = client;
        _template = prefixTemplate;
        _glob = string.IsNullOrEmpty(glob) ? null : glob;
        _pattern = _glob is null ? null : GlobToRegex(_glob);
    }

    /// <summary>Gets the number of keys asked for per listing page.</summary>
    /// <value>The default value is 1000, the most S3 returns.</value>
    public int PageSize { get; init; } = 1000;

    /// <inheritdoc/>
    public string Definition => $"S3 objects {(_glob is null ? "(all)" : $"matching '{_glob}'")} under '{_template}'";

    /// <summary>Resolves the placeholders of a prefix template with a run's parameters.</summary>
    /// <param name="template">The template, for example <c>s3://events/raw/dt={date}/</c>.</param>
    /// <param name="parameters">The run parameters.</param>
    /// <returns>The location, for example <c>s3://events/raw/dt=2026-11-22/</c>.</returns>
    /// <exception cref="JobValidationException">A placeholder names no run parameter.</exception>
    public static string Resolve(string template, RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(parameters);
        var values = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var result = new StringBuilder(template.Length);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                result.Append(template, i, template.Length - i);
                break;
            }

            var close = template.IndexOf('}', open);
            if (close < 0)
            {
                throw new JobValidationException($"The S3 location '{template}' has a '{{' at {open} without a closing '}}'.");
            }

            var name = template[(open + 1)..close];
            if (!values.TryGetValue(name, out var value))
            {
                throw new JobValidationException(
                    $"The S3 location '{template}' names the run parameter '{name}', but the run has {(values.Count == 0 ? "no parameters" : "only " + string.Join(", ", values.Keys.Select(k => "'" + k + "'")))}.");
            }

            result.Append(template, i, open - i).Append(value);
            i = close + 1;
        }

        return result.ToString();
    }

    /// <summary>Lists the prefix and makes a partition of each matching object.</summary>
    /// <param name="context">The run being planned.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The partitions, ordered by key.</returns>
    /// <exception cref="JobValidationException">A placeholder names no run parameter.</exception>
    /// <exception cref="S3StorageException">The bucket does not exist, access was denied, or the server failed.</exception>
    public async ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var location = Resolve(_template, context.Parameters);
        var prefix = S3Uri.Parse(location);
        var objects = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = prefix.Bucket, Prefix = prefix.Key, MaxKeys = PageSize };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex)
            {
                throw S3Errors.Translate(ex, location, "listing the prefix");
            }

            foreach (var o in page.S3Objects ?? [])
            {
                var relative = o.Key[prefix.Key.Length..].TrimStart('/');
                if (relative.Length > 0 && !o.Key.EndsWith('/') && (_pattern is null || _pattern.IsMatch(relative)))
                {
                    objects.Add(o);
                }
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }

        objects.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var ids = PartitionIds.FromRelativePaths(objects.Select(o => o.Key[prefix.Key.Length..].TrimStart('/')).ToList());
        var partitions = new Partition[objects.Count];
        for (var i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            var uri = new S3Uri(prefix.Bucket, o.Key).ToString();
            partitions[i] = new Partition(i, ids[i], PartitionDescriptor.File(uri)) { InputIdentity = IdentityOf(o.Size ?? 0, o.ETag, uri) };
        }

        return partitions;
    }

    /// <summary>Formats an object's identity: <c>size=…;etag=…;path=s3://bucket/key</c>.</summary>
    internal static string IdentityOf(long size, string? etag, string uri) =>
        string.Create(CultureInfo.InvariantCulture, $"size={size};etag={etag?.Trim('"')};path={uri}");

    private static Regex GlobToRegex(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                pattern.Append(".*");
                i++;
            }
            else
            {
                pattern.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
