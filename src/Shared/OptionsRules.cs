using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace BatchKit.Shared;

// The data-annotation rules of BatchKit's options types (linked into each package, not a public API). The
// source-generated [OptionsValidator] of each options type runs them; every failure is one sentence that names the
// property (the generator's display name: JobOptions.CommitInterval, or JobOptions.Retry.MaxRetries for a nested
// object), the expected range and the value found, for example "JobOptions.CommitInterval must be at least 1, found 0."

/// <summary>The number is at least <see cref="Minimum"/>.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class AtLeastAttribute(long minimum) : ValidationAttribute
{
    public long Minimum { get; } = minimum;

    public override bool RequiresValidationContext => true;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) => value switch
    {
        null => ValidationResult.Success,
        _ when Convert.ToDouble(value, CultureInfo.InvariantCulture) >= Minimum => ValidationResult.Success,
        _ => OptionsRule.Fail(validationContext, $"must be at least {Minimum}", value),
    };
}

/// <summary>The number is between <see cref="Minimum"/> and <see cref="Maximum"/>, both included.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class BetweenAttribute(double minimum, double maximum) : ValidationAttribute
{
    public double Minimum { get; } = minimum;

    public double Maximum { get; } = maximum;

    public override bool RequiresValidationContext => true;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is null)
        {
            return ValidationResult.Success;
        }

        var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        return number >= Minimum && number <= Maximum
            ? ValidationResult.Success
            : OptionsRule.Fail(validationContext, string.Create(CultureInfo.InvariantCulture, $"must be between {Minimum} and {Maximum}"), value);
    }
}

/// <summary>The duration is at least <see cref="Minimum"/> (a <see cref="TimeSpan"/> in invariant <c>c</c> format); <see langword="null"/> passes.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class DurationAtLeastAttribute(string minimum) : ValidationAttribute
{
    public TimeSpan Minimum { get; } = TimeSpan.ParseExact(minimum, "c", CultureInfo.InvariantCulture);

    public override bool RequiresValidationContext => true;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) => value switch
    {
        null => ValidationResult.Success,
        TimeSpan duration when duration >= Minimum => ValidationResult.Success,
        _ when Minimum == TimeSpan.Zero => OptionsRule.Fail(validationContext, "must not be negative", value),
        _ => OptionsRule.Fail(validationContext, $"must be at least {Minimum}", value),
    };
}

/// <summary>The duration is positive, or <see cref="Timeout.InfiniteTimeSpan"/> for no limit; <see langword="null"/> passes.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class PositiveOrInfiniteAttribute : ValidationAttribute
{
    public override bool RequiresValidationContext => true;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) => value switch
    {
        null => ValidationResult.Success,
        TimeSpan duration when duration > TimeSpan.Zero || duration == Timeout.InfiniteTimeSpan => ValidationResult.Success,
        _ => OptionsRule.Fail(validationContext, $"must be positive, or {Timeout.InfiniteTimeSpan} (Timeout.InfiniteTimeSpan) for no limit", value),
    };
}

/// <summary>The text is neither <see langword="null"/>, empty nor only white space.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class RequiredTextAttribute : RequiredAttribute
{
    public override bool RequiresValidationContext => true;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) => value switch
    {
        string text when !string.IsNullOrWhiteSpace(text) => ValidationResult.Success,
        null => OptionsRule.Fail(validationContext, "must be set", "null"),
        _ => OptionsRule.Fail(validationContext, "must be set", $"'{value}'"),
    };
}

/// <summary>Formats the failures of the rules above.</summary>
internal static class OptionsRule
{
    /// <summary>Returns the failure "&lt;display name&gt; &lt;expected&gt;, found &lt;value&gt;.", without member names, so the options' failure is that sentence alone.</summary>
    public static ValidationResult Fail(ValidationContext context, string expected, object value) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{context.DisplayName} {expected}, found {value}."));

    /// <summary>Returns the failures of a result as one line each, or nothing when it succeeded.</summary>
    public static IEnumerable<string> Failures(Microsoft.Extensions.Options.ValidateOptionsResult result) =>
        result.Failed ? result.Failures ?? [result.FailureMessage] : [];

    /// <summary>Throws when the options of <paramref name="subject"/> failed validation, listing every failure.</summary>
    /// <exception cref="ArgumentException">The result failed.</exception>
    public static void ThrowIfFailed(Microsoft.Extensions.Options.ValidateOptionsResult result, string subject, string paramName)
    {
        if (result.Failed)
        {
            throw new ArgumentException($"The options of {subject} are not valid: {string.Join(" ", Failures(result))}", paramName);
        }
    }
}
