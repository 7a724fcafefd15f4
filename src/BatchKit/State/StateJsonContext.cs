using System.Text.Json.Serialization;

namespace BatchKit;

/// <summary>Source-generated JSON for the values the SQLite store passes as JSON (lists bound as one parameter).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
