using Microsoft.Extensions.Options;

namespace BatchKit.Hosting;

/// <summary>
/// Validates <see cref="BatchKitHostingOptions"/> at host start (ValidateOnStart): the data annotations (through the
/// source-generated validators), every cron expression and time zone, and that every job named in configuration is registered.
/// </summary>
internal sealed class BatchKitHostingOptionsValidator(IReadOnlyList<JobRegistration> registrations) : IValidateOptions<BatchKitHostingOptions>
{
    public ValidateOptionsResult Validate(string? name, BatchKitHostingOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(new GeneratedHostingOptionsValidator().Validate(name, options));
        var schedules = new GeneratedJobScheduleOptionsValidator();
        foreach (var (jobName, schedule) in options.Jobs)
        {
            if (!registrations.Any(r => r.Name == jobName))
            {
                builder.AddError($"The configuration names the job '{jobName}', which is not registered; registered: {string.Join(", ", registrations.Select(r => r.Name))}.", $"Jobs:{jobName}");
                continue;
            }

            var result = schedules.Validate(jobName, schedule);
            if (result.Failed)
            {
                foreach (var failure in result.Failures)
                {
                    builder.AddError($"The job '{jobName}': {failure}", $"Jobs:{jobName}");
                }
            }

            if (schedule.Cron is not null && !JobSchedule.TryParse(schedule.Cron, schedule.TimeZone, out _, out var error))
            {
                builder.AddError($"The job '{jobName}': {error}", $"Jobs:{jobName}:Cron");
            }

            if (schedule.ReconcileWindow is { } window && window <= TimeSpan.Zero)
            {
                builder.AddError($"The job '{jobName}': ReconcileWindow must be positive, found {window}.", $"Jobs:{jobName}:ReconcileWindow");
            }

            if (schedule.Sla is { } sla && sla <= TimeSpan.Zero)
            {
                builder.AddError($"The job '{jobName}': Sla must be positive, found {sla}.", $"Jobs:{jobName}:Sla");
            }
        }

        return builder.Build();
    }
}

/// <summary>The data-annotation checks of <see cref="BatchKitHostingOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedHostingOptionsValidator : IValidateOptions<BatchKitHostingOptions>;

/// <summary>The data-annotation checks of <see cref="JobScheduleOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedJobScheduleOptionsValidator : IValidateOptions<JobScheduleOptions>;
