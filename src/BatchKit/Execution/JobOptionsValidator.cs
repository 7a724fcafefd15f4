using Microsoft.Extensions.Options;

namespace BatchKit;

/// <summary>
/// Validates <see cref="JobOptions"/>: the one set of rules that <see cref="JobBuilder{T}.Build"/> applies and that a
/// host applies to options bound from configuration when it starts (ValidateOnStart).
/// </summary>
/// <remarks>
/// Each failure is a sentence that names the property, the expected range and the value found, for example
/// <c>JobOptions.CommitInterval must be at least 1, found 0.</c> (<c>JobOptions.Retry.MaxRetries</c> for the retry
/// policy). A named options instance is named in place of <c>JobOptions</c>. The validator is stateless and thread-safe.
/// </remarks>
public sealed class JobOptionsValidator : IValidateOptions<JobOptions>
{
    private static readonly GeneratedJobOptionsValidator Generated = new();

    /// <summary>Validates the options.</summary>
    /// <param name="name">The name of the options instance, or <see langword="null"/> for the unnamed options.</param>
    /// <param name="options">The options.</param>
    /// <returns>The result: every rule the options break, one failure each.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public ValidateOptionsResult Validate(string? name, JobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Generated.Validate(name, options);
    }
}

/// <summary>The data-annotation checks of <see cref="JobOptions"/> and its <see cref="JobOptions.Retry"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedJobOptionsValidator : IValidateOptions<JobOptions>;
