using System.Text.Json.Serialization;

namespace BatchKit.S3;

/// <summary>The published output of one partition: the data object an epoch of a run wrote, with its ETag and size.</summary>
/// <param name="Run">The run key (<see cref="RunKey.Value"/>).</param>
/// <param name="Partition">The partition id.</param>
/// <param name="Epoch">The epoch of the attempt that published it.</param>
/// <param name="DataObject">The data object, <c>s3://bucket/key</c>.</param>
/// <param name="ETag">The data object's ETag, without quotes.</param>
/// <param name="Size">The data object's size in bytes.</param>
public sealed record S3Manifest(string Run, string Partition, long Epoch, string DataObject, string ETag, long Size);

/// <summary>The source-generated JSON contract of <see cref="S3Manifest"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(S3Manifest))]
internal sealed partial class S3ManifestJson : JsonSerializerContext;
