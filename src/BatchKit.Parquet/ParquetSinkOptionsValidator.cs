using Microsoft.Extensions.Options;
using Parquet;

namespace BatchKit.Parquet;

/// <summary>
/// Validates <see cref="ParquetSinkOptions"/>: the data annotations (generated) and the codec, which must be one
/// Parquet.Net can write.
/// </summary>
internal static class ParquetSinkOptionsValidator
{
    private static readonly GeneratedParquetSinkOptionsValidator Generated = new();

    public static ValidateOptionsResult Validate(ParquetSinkOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Generated.Validate(null, options));
        if (options.Compression == CompressionMethod.Lzo)
        {
            builder.AddError($"ParquetSinkOptions.Compression must be a codec Parquet.Net can write (every one but {CompressionMethod.Lzo}), found {options.Compression}.");
        }

        return builder.Build();
    }
}

/// <summary>The data-annotation checks of <see cref="ParquetSinkOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedParquetSinkOptionsValidator : IValidateOptions<ParquetSinkOptions>;
