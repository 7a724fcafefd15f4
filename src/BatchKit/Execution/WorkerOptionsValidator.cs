using BatchKit.Shared;
using Microsoft.Extensions.Options;

namespace BatchKit;

/// <summary>
/// Validates <see cref="WorkerOptions"/>: the data annotations (generated) and the rule across properties, that
/// <see cref="WorkerOptions.WorkerIndex"/> is below <see cref="WorkerOptions.WorkerCount"/> when a count is set.
/// </summary>
internal static class WorkerOptionsValidator
{
    private static readonly GeneratedWorkerOptionsValidator Generated = new();

    public static ValidateOptionsResult Validate(WorkerOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Generated.Validate(null, options));
        if (options.WorkerCount > 0 && options.WorkerIndex >= options.WorkerCount)
        {
            builder.AddError($"WorkerOptions.WorkerIndex must be below WorkerOptions.WorkerCount ({options.WorkerCount}), found {options.WorkerIndex}.");
        }

        return builder.Build();
    }

    /// <summary>Throws when the options break a rule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The options break a rule; the message lists every failure.</exception>
    public static void ThrowIfInvalid(WorkerOptions options)
    {
        var result = Validate(options);
        if (result.Failed)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The worker options are not valid: " + string.Join(" ", OptionsRule.Failures(result)));
        }
    }
}

/// <summary>The data-annotation checks of <see cref="WorkerOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedWorkerOptionsValidator : IValidateOptions<WorkerOptions>;
