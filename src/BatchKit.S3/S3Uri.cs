namespace BatchKit.S3;

/// <summary>Parses and formats <c>s3://bucket/key</c> locations.</summary>
internal readonly record struct S3Uri(string Bucket, string Key)
{
    public const string Scheme = "s3://";

    public static bool IsS3(string location) => location.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    public static S3Uri Parse(string location)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (!IsS3(location))
        {
            throw new FormatException($"Expected an S3 location 's3://bucket/key', found '{location}'.");
        }

        var rest = location[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket.Length == 0)
        {
            throw new FormatException($"Expected an S3 location 's3://bucket/key' with a bucket name, found '{location}'.");
        }

        return new S3Uri(bucket, slash < 0 ? string.Empty : rest[(slash + 1)..]);
    }

    public override string ToString() => Scheme + Bucket + "/" + Key;
}
