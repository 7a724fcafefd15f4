using Microsoft.AspNetCore.Builder;

namespace BatchKit.Dashboard.Tests;

public sealed class DashboardOptionsValidationTests
{
    public static TheoryData<string, string> Rules => new()
    {
        { "MaxRuns", "BatchKitDashboardOptions.MaxRuns must be between 1 and 10000, found 0." },
        { "MaxRunsHigh", "BatchKitDashboardOptions.MaxRuns must be between 1 and 10000, found 10001." },
        { "MaxErrors", "BatchKitDashboardOptions.MaxErrors must be between 1 and 100000, found -1." },
        { "RefreshInterval", "BatchKitDashboardOptions.RefreshInterval must be at least 00:00:00.1000000, found 00:00:00.0500000." },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task MapBatchKitDashboard_OptionOutOfRange_ThrowsNamingPropertyExpectedAndFound(string rule, string expected)
    {
        await using var app = WebApplication.CreateSlimBuilder().Build();

        var act = () => app.MapBatchKitDashboard("/batchkit", o =>
        {
            switch (rule)
            {
                case "MaxRuns": o.MaxRuns = 0; break;
                case "MaxRunsHigh": o.MaxRuns = 10_001; break;
                case "MaxErrors": o.MaxErrors = -1; break;
                case "RefreshInterval": o.RefreshInterval = TimeSpan.FromMilliseconds(50); break;
            }
        });

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "configure")
            .WithMessage($"The options of the BatchKit dashboard are not valid: {expected} (Parameter 'configure')");
    }
}
