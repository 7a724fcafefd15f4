using System.Text.Json;
using System.Text.Json.Serialization;

namespace BatchKit;

/// <summary>Source-generated JSON of <see cref="RunCompletedEvent"/>: camelCase names, the status as its name.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunCompletedEvent))]
internal sealed partial class NotificationJsonContext : JsonSerializerContext;
