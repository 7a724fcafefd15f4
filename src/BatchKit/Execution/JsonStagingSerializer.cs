using System.Globalization;
using System.Text.Json;

namespace BatchKit;

/// <summary>Stages records as length-prefixed JSON (System.Text.Json): works for any serializable type; write a binary serializer for speed.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class JsonStagingSerializer<T> : IStagingSerializer<T>
{
    private readonly JsonSerializerOptions? _options;

    /// <summary>Initializes a new instance of the <see cref="JsonStagingSerializer{T}"/> class.</summary>
    /// <param name="options">The JSON options, or <see langword="null"/> for the defaults.</param>
    public JsonStagingSerializer(JsonSerializerOptions? options = null) => _options = options;

    /// <inheritdoc/>
    public void Write(BinaryWriter writer, T record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(JsonSerializer.Serialize(record, _options));
    }

    /// <inheritdoc/>
    public T Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return JsonSerializer.Deserialize<T>(reader.ReadString(), _options)!;
    }
}
