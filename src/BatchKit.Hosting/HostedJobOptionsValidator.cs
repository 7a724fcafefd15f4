using Microsoft.Extensions.Options;

namespace BatchKit.Hosting;

/// <summary>
/// Validates at host start (ValidateOnStart) the <see cref="JobOptions"/> of each registered job, bound from the
/// configuration section <c>BatchKit:Jobs:&lt;job name&gt;:Options</c>, with the rules of <see cref="JobOptionsValidator"/>,
/// the ones <see cref="JobBuilder{T}.Build"/> applies. Options of other names are not BatchKit's and are skipped.
/// </summary>
internal sealed class HostedJobOptionsValidator(IReadOnlyList<JobRegistration> registrations) : IValidateOptions<JobOptions>
{
    private readonly JobOptionsValidator _validator = new();

    /// <summary>The configuration section a job's options are bound from.</summary>
    public static string SectionPath(string jobName) => $"{BatchKitHostingOptions.SectionName}:Jobs:{jobName}:Options";

    public ValidateOptionsResult Validate(string? name, JobOptions options)
    {
        if (name is null || !registrations.Any(r => r.Name == name))
        {
            return ValidateOptionsResult.Skip;
        }

        var result = _validator.Validate(null, options);
        if (!result.Failed)
        {
            return result;
        }

        var builder = new ValidateOptionsResultBuilder();
        foreach (var failure in result.Failures ?? [result.FailureMessage])
        {
            builder.AddError($"The job '{name}' (configuration section {SectionPath(name)}): {failure}");
        }

        return builder.Build();
    }
}
