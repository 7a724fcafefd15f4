using Microsoft.Extensions.Options;

namespace BatchKit.Postgres;

/// <summary>
/// Validates the options of the PostgreSQL source, sink and state store: the data annotations of each (generated) and
/// the rules across their properties, in one place per options type.
/// </summary>
internal static class PostgresOptionsValidators
{
    private static readonly GeneratedPostgresSourceOptionsValidator Source = new();
    private static readonly GeneratedPostgresSinkOptionsValidator Sink = new();
    private static readonly GeneratedPostgresCheckpointStoreOptionsValidator Store = new();

    public static ValidateOptionsResult Validate(PostgresSourceOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Source.Validate(null, options));
        if (options is { DataSource: null, ReadReplica: null } && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            builder.AddError("PostgresSourceOptions.DataSource, ReadReplica or ConnectionString must be set, found none.");
        }

        return builder.Build();
    }

    public static ValidateOptionsResult Validate(PostgresSinkOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Sink.Validate(null, options));
        if (options.DataSource is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            builder.AddError("PostgresSinkOptions.DataSource or ConnectionString must be set, found neither.");
        }

        if (options.Disposition is not (WriteDisposition.Upsert or WriteDisposition.Append or WriteDisposition.ReplacePartition))
        {
            builder.AddError($"PostgresSinkOptions.Disposition must be Upsert, Append or ReplacePartition, found {options.Disposition}.");
        }
        else if (options is { Disposition: WriteDisposition.ReplacePartition, Slice: null })
        {
            builder.AddError("PostgresSinkOptions.Slice must be set for the disposition ReplacePartition, found null.");
        }

        return builder.Build();
    }

    public static ValidateOptionsResult Validate(PostgresCheckpointStoreOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Store.Validate(null, options));
        if (options.DataSource is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            builder.AddError("PostgresCheckpointStoreOptions.DataSource or ConnectionString must be set, found neither.");
        }

        return builder.Build();
    }
}

/// <summary>The data-annotation checks of <see cref="PostgresSourceOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedPostgresSourceOptionsValidator : IValidateOptions<PostgresSourceOptions>;

/// <summary>The data-annotation checks of <see cref="PostgresSinkOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedPostgresSinkOptionsValidator : IValidateOptions<PostgresSinkOptions>;

/// <summary>The data-annotation checks of <see cref="PostgresCheckpointStoreOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedPostgresCheckpointStoreOptionsValidator : IValidateOptions<PostgresCheckpointStoreOptions>;
