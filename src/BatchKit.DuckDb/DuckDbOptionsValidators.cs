using Microsoft.Extensions.Options;

namespace BatchKit.DuckDb;

/// <summary>
/// Validates the options of the DuckDB source and sink: the data annotations of each (generated) and the rules across
/// the sink's properties (disposition, slices, primary key), in one place per options type.
/// </summary>
internal static class DuckDbOptionsValidators
{
    private static readonly GeneratedDuckDbSinkOptionsValidator Sink = new();
    private static readonly GeneratedDuckDbSourceOptionsValidator Source = new();

    public static ValidateOptionsResult Validate(DuckDbSourceOptions options) => Source.Validate(null, options);

    public static ValidateOptionsResult Validate(DuckDbSinkOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Sink.Validate(null, options));
        switch (options.Disposition)
        {
            case WriteDisposition.ReplacePartition when options.Slice is null:
                builder.AddError("DuckDbSinkOptions.Slice must be set for the disposition ReplacePartition, found null.");
                break;
            case WriteDisposition.Upsert when options.CreatePrimaryKey == false:
                builder.AddError("DuckDbSinkOptions.CreatePrimaryKey must be true or null for the disposition Upsert, which matches rows on the primary key, found False.");
                break;
            case WriteDisposition.Upsert when options.RunSlice is not null:
                builder.AddError("DuckDbSinkOptions.RunSlice must be null for the disposition Upsert (it applies to ReplacePartition only), found a function.");
                break;
            case WriteDisposition.Upsert or WriteDisposition.ReplacePartition:
                break;
            default:
                builder.AddError($"DuckDbSinkOptions.Disposition must be Upsert or ReplacePartition, found {options.Disposition}.");
                break;
        }

        return builder.Build();
    }
}

/// <summary>The data-annotation checks of <see cref="DuckDbSinkOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedDuckDbSinkOptionsValidator : IValidateOptions<DuckDbSinkOptions>;

/// <summary>The data-annotation checks of <see cref="DuckDbSourceOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedDuckDbSourceOptionsValidator : IValidateOptions<DuckDbSourceOptions>;
