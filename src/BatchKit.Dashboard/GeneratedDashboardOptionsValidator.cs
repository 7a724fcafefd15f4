using Microsoft.Extensions.Options;

namespace BatchKit.Dashboard;

/// <summary>The data-annotation checks of <see cref="BatchKitDashboardOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedDashboardOptionsValidator : IValidateOptions<BatchKitDashboardOptions>;
