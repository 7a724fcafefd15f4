using System.Data.Common;
using System.Text.Json;
using FluentAssertions;

namespace BatchKit.Tests.Execution;

public sealed class FailureClassifierTests
{
    public static TheoryData<Exception, string> AttemptFailures => new()
    {
        { new IOException("disk full"), nameof(FailureAction.RetryPartition) },
        { new HttpRequestException("503"), nameof(FailureAction.RetryPartition) },
        { new TimeoutException("slow"), nameof(FailureAction.RetryPartition) },
        { new InvalidOperationException("sink refused"), nameof(FailureAction.RetryPartition) },
        { new TestDbException(), nameof(FailureAction.RetryPartition) },
        { new PartitionTimeoutException("timed out") { IsTransient = true }, nameof(FailureAction.RetryPartition) },
        { new BatchKitException("transient") { IsTransient = true }, nameof(FailureAction.RetryPartition) },
        { new BatchKitException("schema"), nameof(FailureAction.FailPartition) },
        { new ErrorRateExceededException("too many errors"), nameof(FailureAction.FailPartition) },
        { new PlanMismatchException("changed definition"), nameof(FailureAction.FailPartition) },
        { new EmptyInputException("no input"), nameof(FailureAction.FailPartition) },
        { new InvalidDataException("bad row"), nameof(FailureAction.FailPartition) },
        { new FormatException("bad number"), nameof(FailureAction.FailPartition) },
        { new NotSupportedException("unsupported type"), nameof(FailureAction.FailPartition) },
        { new JsonException("bad json"), nameof(FailureAction.RetryPartition) },
        { new LeaseLostException("taken over"), nameof(FailureAction.LeaseLost) },
    };

    [Theory]
    [MemberData(nameof(AttemptFailures))]
    public void Classify_ExceptionDuringAttempt_IsWhatTheRunnerDoes(Exception exception, string expected)
    {
        using var attempt = new CancellationTokenSource();

        FailureClassifier.Classify(exception, attempt.Token).ToString().Should().Be(expected);
    }

    [Fact]
    public void Classify_CancellationWhileAttemptTokenCancelled_IsCancelled()
    {
        using var attempt = new CancellationTokenSource();
        attempt.Cancel();

        FailureClassifier.Classify(new OperationCanceledException(attempt.Token), attempt.Token).Should().Be(FailureAction.Cancelled);
        FailureClassifier.Classify(new TaskCanceledException(), attempt.Token).Should().Be(FailureAction.Cancelled);
    }

    [Fact]
    public void Classify_CancellationOfItsOwnAccord_IsRetried()
    {
        // An HttpClient timeout: a TaskCanceledException while the attempt's token is not cancelled.
        using var attempt = new CancellationTokenSource();

        FailureClassifier.Classify(new TaskCanceledException("HttpClient.Timeout"), attempt.Token).Should().Be(FailureAction.RetryPartition);
        FailureClassifier.IsPartitionFailure(new TaskCanceledException(), attempt.Token).Should().BeTrue();
        FailureClassifier.IsRetryable(new TaskCanceledException()).Should().BeTrue();
    }

    [Fact]
    public void Classify_CancellationWithoutAToken_IsCancelled()
    {
        FailureClassifier.Classify(new OperationCanceledException()).Should().Be(FailureAction.Cancelled);
    }

    [Fact]
    public void EndsHold_LeaseLostOrCancelled_True_OtherFailures_False()
    {
        FailureClassifier.EndsHold(new LeaseLostException("taken over")).Should().BeTrue();
        FailureClassifier.EndsHold(new OperationCanceledException()).Should().BeTrue();
        FailureClassifier.EndsHold(new IOException("disk full")).Should().BeFalse();
        FailureClassifier.EndsHold(new ErrorRateExceededException("too many errors")).Should().BeFalse();
    }

    [Fact]
    public void IsPartitionFailure_LeaseLostOrCancelledAttempt_False()
    {
        using var attempt = new CancellationTokenSource();
        FailureClassifier.IsPartitionFailure(new LeaseLostException("taken over"), attempt.Token).Should().BeFalse();
        FailureClassifier.IsPartitionFailure(new FormatException("bad number"), attempt.Token).Should().BeTrue();
        attempt.Cancel();
        FailureClassifier.IsPartitionFailure(new OperationCanceledException(attempt.Token), attempt.Token).Should().BeFalse();
    }

    [Fact]
    public void IsRetryable_TransientAndPermanentFailures()
    {
        FailureClassifier.IsRetryable(new IOException("disk full")).Should().BeTrue();
        FailureClassifier.IsRetryable(new PartitionTimeoutException("timed out") { IsTransient = true }).Should().BeTrue();
        FailureClassifier.IsRetryable(new ErrorRateExceededException("too many errors")).Should().BeFalse();
        FailureClassifier.IsRetryable(new InvalidDataException("bad row")).Should().BeFalse();
    }

    [Fact]
    public void RunStatusOf_EveryFailureATimeout_TimedOut()
    {
        var failed = new[] { Failed("a", "PartitionTimeoutException: exceeded"), Failed("b", "PartitionTimeoutException: exceeded") };

        FailureClassifier.RunStatusOf(failed).Should().Be(RunStatus.TimedOut);
    }

    [Fact]
    public void RunStatusOf_AnyOtherFailure_Failed()
    {
        var failed = new[] { Failed("a", "PartitionTimeoutException: exceeded"), Failed("b", "IOException: disk full") };

        FailureClassifier.RunStatusOf(failed).Should().Be(RunStatus.Failed);
        FailureClassifier.RunStatusOf([Failed("c", null)]).Should().Be(RunStatus.Failed);
    }

    private static PartitionState Failed(string id, string? error) =>
        new(id, PartitionStatus.Failed, 1, error, DateTimeOffset.UnixEpoch);

    private sealed class TestDbException : DbException
    {
    }
}
