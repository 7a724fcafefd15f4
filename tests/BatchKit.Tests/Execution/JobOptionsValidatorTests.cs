using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

public sealed class JobOptionsValidatorTests
{
    public static TheoryData<string, string> BrokenRules => new()
    {
        { nameof(JobOptions.MaxParallelism), "JobOptions.MaxParallelism must be at least 1, found 0." },
        { nameof(JobOptions.CommitInterval), "JobOptions.CommitInterval must be at least 1, found 0." },
        { nameof(JobOptions.ChannelCapacity), "JobOptions.ChannelCapacity must be at least 1, found -2." },
        { nameof(JobOptions.MaxPartitionAttempts), "JobOptions.MaxPartitionAttempts must be at least 1, found 0." },
        { nameof(JobOptions.PartitionTimeout), "JobOptions.PartitionTimeout must be positive, or -00:00:00.0010000 (Timeout.InfiniteTimeSpan) for no limit, found 00:00:00." },
        { nameof(JobOptions.MaxDuration), "JobOptions.MaxDuration must be positive, or -00:00:00.0010000 (Timeout.InfiniteTimeSpan) for no limit, found -00:00:05." },
        { nameof(JobOptions.MaxErrorRate), "JobOptions.MaxErrorRate must be between 0 and 1, found 1.5." },
        { nameof(JobOptions.ErrorRateMinimumRecords), "JobOptions.ErrorRateMinimumRecords must be at least 0, found -1." },
        { nameof(JobOptions.LeaseDuration), "JobOptions.LeaseDuration must be at least 00:00:01, found 00:00:00.5000000." },
        { nameof(JobOptions.LeaseWaitTimeout), "JobOptions.LeaseWaitTimeout must not be negative, found -00:00:01." },
        { nameof(JobOptions.MinimumRecords), "JobOptions.MinimumRecords must be at least 0, found -3." },
        { "Retry.MaxRetries", "JobOptions.Retry.MaxRetries must be at least 0, found -1." },
        { "Retry.BaseDelay", "JobOptions.Retry.BaseDelay must not be negative, found -00:00:00.1000000." },
    };

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        new JobOptionsValidator().Validate(null, new JobOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validate_InfiniteAndBoundaryValues_Succeeds()
    {
        var options = new JobOptions
        {
            MaxParallelism = 1,
            CommitInterval = 1,
            ChannelCapacity = 1,
            MaxPartitionAttempts = 1,
            PartitionTimeout = TimeSpan.FromTicks(1),
            MaxDuration = Timeout.InfiniteTimeSpan,
            MaxErrorRate = 1,
            ErrorRateMinimumRecords = 0,
            LeaseDuration = TimeSpan.FromSeconds(1),
            LeaseWaitTimeout = TimeSpan.Zero,
            MinimumRecords = 0,
        };
        options.Retry.MaxRetries = 0;
        options.Retry.BaseDelay = TimeSpan.Zero;

        new JobOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public void Validate_ValueOutOfRange_FailsNamingPropertyExpectedAndFound(string property, string expected)
    {
        var options = new JobOptions();
        Break(options, property);

        var result = new JobOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.Failures.Should().Equal(expected);
    }

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public void Build_ValueOutOfRange_ThrowsJobValidationExceptionWithTheValidatorsFailure(string property, string expected)
    {
        var act = () => Job.Create("bad-options")
            .ReadFrom(EnumerableSource<Item>.FromList([]))
            .Configure(o => Break(o, property))
            .WriteTo(new CollectingSink<Item>())
            .Build();

        act.Should().Throw<JobValidationException>()
            .Where(e => e.JobName == "bad-options")
            .WithMessage($"The job 'bad-options' is not valid:{Environment.NewLine}- {expected}");
    }

    [Fact]
    public void Build_SeveralValuesOutOfRange_ListsEveryFailureOnce()
    {
        var act = () => Job.Create("many")
            .ReadFrom(EnumerableSource<Item>.FromList([]))
            .Configure(o =>
            {
                o.MaxParallelism = 0;
                o.MaxErrorRate = -0.5;
                o.Retry.MaxRetries = -2;
            })
            .WriteTo(new CollectingSink<Item>())
            .Build();

        var message = act.Should().Throw<JobValidationException>().Which.Message;
        message.Split(Environment.NewLine).Should().Equal(
            "The job 'many' is not valid:",
            "- JobOptions.MaxParallelism must be at least 1, found 0.",
            "- JobOptions.MaxErrorRate must be between 0 and 1, found -0.5.",
            "- JobOptions.Retry.MaxRetries must be at least 0, found -2.");
    }

    [Fact]
    public void Validate_NamedOptions_NamesTheInstance()
    {
        var result = new JobOptionsValidator().Validate("nightly", new JobOptions { CommitInterval = 0 });

        result.Failures.Should().Equal("nightly.CommitInterval must be at least 1, found 0.");
    }

    internal static void Break(JobOptions options, string property)
    {
        switch (property)
        {
            case nameof(JobOptions.MaxParallelism): options.MaxParallelism = 0; break;
            case nameof(JobOptions.CommitInterval): options.CommitInterval = 0; break;
            case nameof(JobOptions.ChannelCapacity): options.ChannelCapacity = -2; break;
            case nameof(JobOptions.MaxPartitionAttempts): options.MaxPartitionAttempts = 0; break;
            case nameof(JobOptions.PartitionTimeout): options.PartitionTimeout = TimeSpan.Zero; break;
            case nameof(JobOptions.MaxDuration): options.MaxDuration = TimeSpan.FromSeconds(-5); break;
            case nameof(JobOptions.MaxErrorRate): options.MaxErrorRate = 1.5; break;
            case nameof(JobOptions.ErrorRateMinimumRecords): options.ErrorRateMinimumRecords = -1; break;
            case nameof(JobOptions.LeaseDuration): options.LeaseDuration = TimeSpan.FromMilliseconds(500); break;
            case nameof(JobOptions.LeaseWaitTimeout): options.LeaseWaitTimeout = TimeSpan.FromSeconds(-1); break;
            case nameof(JobOptions.MinimumRecords): options.MinimumRecords = -3; break;
            case "Retry.MaxRetries": options.Retry.MaxRetries = -1; break;
            case "Retry.BaseDelay": options.Retry.BaseDelay = TimeSpan.FromMilliseconds(-100); break;
            default: throw new ArgumentOutOfRangeException(nameof(property), property, "No such rule.");
        }
    }
}
