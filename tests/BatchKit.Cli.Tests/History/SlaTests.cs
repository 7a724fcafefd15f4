using System.Diagnostics.Metrics;

namespace BatchKit.Cli.Tests.History;

/// <summary>SLA objectives evaluated at the end of real runs against a real store; derived classes give the store.</summary>
public abstract class SlaTests : IAsyncLifetime
{
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 23));
    private readonly string _root = Path.Combine(Path.GetTempPath(), "batchkit-sla-tests-" + Guid.NewGuid().ToString("N"));

    protected SlaTests() => Directory.CreateDirectory(_root);

    protected string Root => _root;

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Names a new empty store; <see cref="CliStore.Open"/> opens it (again) from code.</summary>
    protected abstract CliStore NewStore(string name);

    private static Job Build(string name, ICheckpointStore store, PublishingSink sink, Action<SlaBuilder> sla, bool invalid = true, bool duplicate = false) =>
        Job.Create(name)
            .ReadFrom(EnumerableSource<Order>.FromList(StoreFixture.Orders()))
            .PartitionBy(Partitioners.RowRanges(300, 100))
            .Validate(o => invalid && o.Amount < 0 ? "negative" : null)
            .SelectMany(o => duplicate && o.Id == 7 ? new[] { o, o } : new[] { o })
            .WriteTo(sink)
            .WithSla(sla)
            .Configure(o => o.MaxErrorRate = 0.05)
            .UseCheckpointStore(store)
            .Build();

    [Fact]
    public async Task CompletenessGate_Missed_FailsTheRunBeforePublishing_AndAPassingGateCompletesItLater()
    {
        var state = NewStore("state");
        var sink = new PublishingSink();
        RunResult gated;
        await using (var store = state.Open())
        {
            gated = await new JobRunner(Build("gated", store, sink, s => s.Completeness(tolerance: 0.001, gate: true).MinRecords(10))).RunAsync(Day);
        }

        gated.Status.Should().Be(RunStatus.Failed);
        gated.Exception.Should().BeOfType<SlaViolationException>().Which.Message.Should().Contain("completeness").And.Contain("source 300, destination 295");
        sink.Published.Should().Be(0, "a missed gate stops the run before its run-level publish");
        var completeness = gated.SlaResults.Should().Contain(r => r.Objective == SlaObjective.Completeness).Subject;
        completeness.Passed.Should().BeFalse();
        completeness.IsGate.Should().BeTrue();
        completeness.Actual.Should().BeApproximately(5.0 / 300, 1e-9);
        gated.SlaResults.Should().Contain(r => r.Objective == SlaObjective.MinRecords && r.Passed);

        await using (var store = state.Open())
        {
            (await store.GetRunAsync(gated.RunKey.Value, CancellationToken.None))!.Status.Should().Be(RunStatus.Failed);
            var attempts = await store.ListRunAttemptsAsync(gated.RunKey.Value, CancellationToken.None);
            attempts.Should().ContainSingle().Which.SlaResults.Should().BeEquivalentTo(gated.SlaResults, "the results are stored with the attempt");

            // A looser tolerance: the partitions are completed already, so the next run only evaluates and publishes.
            var passed = await new JobRunner(Build("gated", store, sink, s => s.Completeness(tolerance: 0.02, gate: true))).RunAsync(Day);
            passed.Status.Should().Be(RunStatus.Completed);
            passed.PartitionsProcessed.Should().Be(0);
            sink.Published.Should().Be(1);
            (await store.ListRunAttemptsAsync(gated.RunKey.Value, CancellationToken.None)).Should().HaveCount(2);
        }

        var shown = await state.RunAsync("sla", "gated", "--json");
        shown.ExitCode.Should().Be(0, shown.ToString());
        shown.Json.GetProperty("results")[0].GetProperty("passed").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Duplicates_ReportedBySink_AreAnAlertNotAFailure_AndExportedAsMetrics()
    {
        var name = "dups-" + Guid.NewGuid().ToString("N")[..8];
        var measurements = new List<(string Instrument, double Value, string? Objective, string? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BatchKitDiagnostics.Name && instrument.Name.StartsWith("batchkit.sla.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Collect(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? job = null, objective = null, outcome = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "batchkit.job.name": job = tag.Value as string; break;
                    case "batchkit.sla.objective": objective = tag.Value as string; break;
                    case "batchkit.sla.outcome": outcome = tag.Value as string; break;
                }
            }

            if (job == name)
            {
                lock (measurements)
                {
                    measurements.Add((instrument.Name, value, objective, outcome));
                }
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Collect(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Collect(i, v, t));
        listener.Start();

        var alerts = new List<SlaAlert>();
        var sink = new PublishingSink();
        RunResult result;
        await using (var store = NewStore("dups").Open())
        {
            result = await new JobRunner(Build(name, store, sink, s => s.NoDuplicates().MaxErrorRate(0.5).AlertTo(new ListAlertSink(alerts)), invalid: false, duplicate: true)).RunAsync(Day);
        }

        result.Status.Should().Be(RunStatus.Completed, "a missed objective that is not a gate only alerts");
        sink.Published.Should().Be(1);
        var duplicates = result.SlaResults.Single(r => r.Objective == SlaObjective.Duplicates);
        duplicates.Passed.Should().BeFalse();
        duplicates.Actual.Should().Be(1);
        alerts.Should().ContainSingle().Which.Result.Objective.Should().Be(SlaObjective.Duplicates);
        alerts[0].JobName.Should().Be(name);
        alerts[0].RunKey.Should().Be(result.RunKey);
        measurements.Should().Contain(("batchkit.sla.evaluations", 1, SlaObjective.Duplicates, "missed"));
        measurements.Should().Contain(("batchkit.sla.evaluations", 1, SlaObjective.ErrorRate, "met"));
        measurements.Should().Contain(("batchkit.sla.value", 1, SlaObjective.Duplicates, null));
    }

    [Fact]
    public void NoDuplicates_WithASinkThatCannotReportThem_IsADefinitionProblem()
    {
        var build = () => Job.Create("no-report")
            .ReadFrom(EnumerableSource<Order>.FromList(StoreFixture.Orders()))
            .WriteTo(new JsonLinesSink<Order>(_root))
            .WithSla(s => s.NoDuplicates().MaxDuration(TimeSpan.FromHours(1)).MaxDuration(TimeSpan.FromHours(2)))
            .Build();

        build.Should().Throw<JobValidationException>()
            .Which.Message.Should().Contain("NoDuplicates needs a sink that reports duplicate keys").And.Contain("'duration' is configured 2 times");
    }

    [Fact]
    public async Task MaxDurationGate_TinyLimit_FailsTheRun_AndTheLoggingSinkIsTheDefault()
    {
        var sink = new PublishingSink();
        await using var store = NewStore("duration").Open();

        var result = await new JobRunner(Build("slow", store, sink, s => s.MaxDuration(TimeSpan.FromTicks(1), gate: true), invalid: false)).RunAsync(Day);

        result.Status.Should().Be(RunStatus.Failed);
        result.SlaResults.Should().ContainSingle().Which.Should().Match<SlaResult>(r => r.Objective == SlaObjective.Duration && !r.Passed && r.Actual > 0);
        sink.Published.Should().Be(0);
    }

    private sealed class ListAlertSink(List<SlaAlert> alerts) : IAlertSink
    {
        public ValueTask RaiseAsync(SlaAlert alert, CancellationToken cancellationToken)
        {
            alerts.Add(alert);
            return ValueTask.CompletedTask;
        }
    }
}
