using BatchKit.Shared;
using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <summary>
/// Defines a job in one fluent chain. Steps run in the order they are added; each step can change the record type.
/// </summary>
/// <typeparam name="T">The type of the records at this point of the pipeline.</typeparam>
/// <remarks>
/// Verbs: <c>AddX</c> appends a step, <c>UseX</c> replaces a component, <c>Configure</c> changes options. Every method
/// returns a builder so calls can be chained; <see cref="Build"/> validates the whole definition and freezes it.
/// </remarks>
public sealed class JobBuilder<T>
{
    private readonly JobDraft _draft;

    internal JobBuilder(JobDraft draft) => _draft = draft;

    /// <summary>Sets how the input is split into partitions the source can read directly (natural partitioning).</summary>
    /// <param name="partitioner">The partitioner.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <remarks>With <see cref="ShuffleBy{TPartitioner}"/>, this partitioner splits the input read by the extract stage.</remarks>
    public JobBuilder<T> PartitionBy(IPartitioner partitioner)
    {
        ArgumentNullException.ThrowIfNull(partitioner);
        Mutable().Partitioner = partitioner;
        return this;
    }

    /// <summary>
    /// Partitions records by a key that is not how the input is laid out (shuffled partitioning): an extract stage reads
    /// the input once and routes every record to its partition's staging file; the partitions then run from staging.
    /// </summary>
    /// <typeparam name="TPartitioner">A partitioner that can route single records, such as <see cref="HashPartitioner{T}"/>.</typeparam>
    /// <param name="partitioner">The partitioner.</param>
    /// <param name="serializer">
    /// How records are written to staging files; <see langword="null"/> for <see cref="BinaryStagingSerializer{T}"/> when
    /// the record type is supported, <see cref="JsonStagingSerializer{T}"/> otherwise.
    /// </param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> ShuffleBy<TPartitioner>(TPartitioner partitioner, IStagingSerializer<T>? serializer = null)
        where TPartitioner : IPartitioner, IRecordRouter<T>
    {
        ArgumentNullException.ThrowIfNull(partitioner);
        var draft = Mutable();
        if (draft.Stages.Count > 0 || draft.Source!.RecordType != typeof(T))
        {
            draft.Problems.Add("ShuffleBy must come right after ReadFrom, before any step.");
        }

        draft.Shuffle = new ShuffleDefinition<T>(partitioner, partitioner, serializer ?? StagingSerializers.Default<T>());
        return this;
    }

    /// <summary>Adds a validation step: a record for which <paramref name="rule"/> returns a reason is stored as an error record and skipped.</summary>
    /// <param name="rule">Returns <see langword="null"/> for a valid record, or why it is invalid.</param>
    /// <param name="name">The step name, unique in the job; defaults to <c>validate</c>, then <c>validate-2</c>, <c>validate-3</c>… for later validations.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> Validate(Func<T, string?> rule, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return Validate(new DelegateValidator(rule), name);
    }

    /// <summary>Adds a validation step: invalid records are stored as error records and skipped.</summary>
    /// <param name="validator">The validator.</param>
    /// <param name="name">The step name, unique in the job; defaults to <c>validate</c>, then <c>validate-2</c>, <c>validate-3</c>… for later validations.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> Validate(IRecordValidator<T> validator, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(validator);
        return Add<T>(new ValidateStage<T>(StageName(name, ErrorRecord.ValidationStepName), validator));
    }

    /// <summary>Adds a step that emits zero or more records for each record.</summary>
    /// <typeparam name="TOut">The output record type.</typeparam>
    /// <param name="step">The step, shared by all partitions.</param>
    /// <param name="name">The step name, for logs, checkpoints and error records; defaults to the step's type name.</param>
    /// <returns>A builder for the step's output.</returns>
    public JobBuilder<TOut> AddStep<TOut>(IStep<T, TOut> step, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        return Add<TOut>(new StepStage<T, TOut>(StageName(name, step.GetType().Name), step));
    }

    /// <summary>Adds a step that maps each record to one record.</summary>
    /// <typeparam name="TOut">The output record type.</typeparam>
    /// <param name="selector">The mapping; an exception skips the record under the skip policy.</param>
    /// <param name="name">The step name; defaults to <c>select</c>.</param>
    /// <returns>A builder for the step's output.</returns>
    public JobBuilder<TOut> Select<TOut>(Func<T, TOut> selector, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return Add<TOut>(new SelectStage<T, TOut>(StageName(name, "select"), selector));
    }

    /// <summary>Adds a step that maps each record to any number of records.</summary>
    /// <typeparam name="TOut">The output record type.</typeparam>
    /// <param name="selector">The mapping.</param>
    /// <param name="name">The step name; defaults to <c>select-many</c>.</param>
    /// <returns>A builder for the step's output.</returns>
    public JobBuilder<TOut> SelectMany<TOut>(Func<T, IEnumerable<TOut>> selector, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return Add<TOut>(new SelectManyStage<T, TOut>(StageName(name, "select-many"), selector));
    }

    /// <summary>Adds a step that keeps only the records matching a predicate (the others are dropped, not errors).</summary>
    /// <param name="predicate">The predicate.</param>
    /// <param name="name">The step name; defaults to <c>where</c>.</param>
    /// <returns>A builder for the step's output.</returns>
    public JobBuilder<T> Where(Func<T, bool> predicate, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Add<T>(new WhereStage<T>(StageName(name, "where"), predicate));
    }

    /// <summary>
    /// Adds a step that aggregates each partition and emits its results at the partition's end. The partition becomes
    /// atomic: a resumed partition starts from its first record, so write its results with
    /// <see cref="WriteDisposition.ReplacePartition"/> or <see cref="WriteDisposition.Upsert"/>.
    /// </summary>
    /// <remarks>
    /// The aggregate sees one partition's records only. When results are keyed (an <see cref="WriteDisposition.Upsert"/>
    /// by day, by user), every record of a key must be in the same partition, or each partition writes its own partial
    /// result for the key and the sink keeps whichever came last. Natural partitions (files, row groups, row ranges)
    /// rarely split the input by the result key: partition by the key with <see cref="ShuffleBy{TPartitioner}"/>
    /// (for example a <see cref="HashPartitioner{T}"/> on the key). Sinks that can tell, such as the DuckDB upsert sink,
    /// fail the run when a key arrives from a second partition of the same run.
    /// </remarks>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="factory">Creates one aggregator per partition attempt.</param>
    /// <param name="name">The step name; defaults to <c>aggregate</c>.</param>
    /// <returns>A builder for the results.</returns>
    public JobBuilder<TOut> Aggregate<TOut>(Func<IAggregator<T, TOut>> factory, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Add<TOut>(new AggregateStage<T, TOut>(StageName(name, "aggregate"), factory));
    }

    /// <summary>
    /// Aggregates with partial aggregation before the shuffle (a combiner): each input partition (as split by
    /// <see cref="PartitionBy"/>) runs the steps added so far and aggregates its records into partial results; the
    /// partials, not the records, are routed by <paramref name="partitioner"/> and staged; each target partition merges
    /// the partials routed to it, emits the results and runs the later steps and the sink. Partitions become atomic,
    /// as with <see cref="Aggregate{TOut}"/>.
    /// </summary>
    /// <remarks>
    /// Use it in place of <see cref="ShuffleBy{TPartitioner}"/> followed by <see cref="Aggregate{TOut}"/> when many records
    /// share a result key: the shuffle then moves one partial per key and input partition. Every partial of a result
    /// key must route to the same target partition (partition by the result key, or by part of it). Resuming is as with
    /// the row shuffle: an extract partition stages its partials in one file, renamed into place when complete, and a
    /// crash repeats the whole input partition.
    /// </remarks>
    /// <typeparam name="TPartial">The partial result type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <typeparam name="TPartitioner">A partitioner that routes partial results, such as <see cref="HashPartitioner{T}"/>.</typeparam>
    /// <param name="partitioner">Routes each partial result to its target partition.</param>
    /// <param name="factory">Creates one aggregator per partition attempt, extract and target partitions alike.</param>
    /// <param name="serializer">
    /// How partials are staged; <see langword="null"/> for <see cref="BinaryStagingSerializer{T}"/> when the partial type
    /// is supported, <see cref="JsonStagingSerializer{T}"/> otherwise.
    /// </param>
    /// <param name="name">The step name; defaults to <c>aggregate</c>.</param>
    /// <returns>A builder for the results.</returns>
    public JobBuilder<TOut> AggregateBy<TPartial, TOut, TPartitioner>(
        TPartitioner partitioner, Func<ICombiningAggregator<T, TPartial, TOut>> factory, IStagingSerializer<TPartial>? serializer = null, string? name = null)
        where TPartitioner : IPartitioner, IRecordRouter<TPartial>
    {
        ArgumentNullException.ThrowIfNull(partitioner);
        ArgumentNullException.ThrowIfNull(factory);
        var draft = Mutable();
        if (draft.Shuffle is not null || draft.Combine is not null)
        {
            draft.Problems.Add("AggregateBy shuffles partial results itself: use it instead of ShuffleBy, and once per job.");
        }

        var stepName = StageName(name, "aggregate");
        draft.Combine = new CombineDefinition<T, TPartial, TOut>(stepName, partitioner, partitioner, factory, serializer ?? StagingSerializers.Default<TPartial>());
        draft.CombineAt = draft.Stages.Count;

        // A placeholder keeps the step's name reserved and the later steps' positions; the pipeline replaces it.
        return Add<TOut>(new AggregateStage<T, TOut>(stepName, factory));
    }

    /// <summary>
    /// Adds a side effect that must happen at most once per record and run (send an email, charge a card), guarded by
    /// the <see cref="IdempotencyGuard"/>: confirmed effects are skipped on reruns, and effects a crash left in doubt
    /// are reported by <see cref="ICheckpointStore.ListInDoubtEffectsAsync"/> and not repeated (nor passed on).
    /// </summary>
    /// <param name="recordKey">Selects the record's business key, which with the RunKey and partition forms the idempotency key.</param>
    /// <param name="effect">Performs the effect; receives the record, the idempotency key to send downstream, and a token.</param>
    /// <param name="rateLimiter">Limits the rate of effects across all partitions (see <see cref="RateLimits"/>); <see langword="null"/> for no limit.</param>
    /// <param name="name">The step name; defaults to <c>effect</c>.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> AddSideEffect(Func<T, string> recordKey, Func<T, string, CancellationToken, ValueTask> effect, System.Threading.RateLimiting.RateLimiter? rateLimiter = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(recordKey);
        ArgumentNullException.ThrowIfNull(effect);
        return Add<T>(new SideEffectStage<T>(StageName(name, "effect"), recordKey, effect, rateLimiter));
    }

    /// <summary>Sets the sink the job writes to.</summary>
    /// <param name="sink">The sink.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> WriteTo(ISink<T> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var draft = Mutable();
        if (draft.Sink is not null)
        {
            draft.Problems.Add("WriteTo was called twice; a job has one sink.");
        }

        draft.Sink = sink;
        return this;
    }

    /// <summary>Uses a checkpoint store for runs, partition states, checkpoints and error records.</summary>
    /// <param name="store">The store; the job does not dispose it.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <remarks>Without one, the job uses a SQLite file <c>batchkit-state.db</c> in the current directory.</remarks>
    public JobBuilder<T> UseCheckpointStore(ICheckpointStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Mutable().Store = () => store;
        return this;
    }

    /// <summary>Uses a logger factory for the job's logs (categories <c>BatchKit.*</c>).</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Mutable().LoggerFactory = loggerFactory;
        return this;
    }

    /// <summary>Uses a time provider for timestamps, timeouts and leases.</summary>
    /// <param name="timeProvider">The time provider.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> UseTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        Mutable().TimeProvider = timeProvider;
        return this;
    }

    /// <summary>Changes the job's execution options.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> Configure(Action<JobOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Mutable().Options);
        return this;
    }

    /// <summary>Changes which step exceptions skip a record instead of failing its partition.</summary>
    /// <param name="configure">Changes the skip options.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> ConfigureSkip(Action<SkipOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Mutable().Skip);
        return this;
    }

    /// <summary>Sets <see cref="JobOptions.MaxParallelism"/>.</summary>
    /// <param name="maxParallelism">The number of partitions processed at once.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> WithParallelism(int maxParallelism) => Configure(o => o.MaxParallelism = maxParallelism);

    /// <summary>Sets <see cref="JobOptions.CommitInterval"/>.</summary>
    /// <param name="records">The number of records in a chunk.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> WithCommitInterval(int records) => Configure(o => o.CommitInterval = records);

    /// <summary>
    /// Lets a run complete with no input: no partition planned, or no record read. Without it such a run fails with
    /// <see cref="EmptyInputException"/> ("no input found") and is not marked completed, so a rerun once the input has
    /// arrived processes it.
    /// </summary>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> AllowEmptyInput() => Configure(o => o.MinimumRecords = 0);

    /// <summary>
    /// Requires a run to read at least a number of records (bad records included): a run that reads fewer fails with
    /// <see cref="EmptyInputException"/> naming both numbers, and is not marked completed.
    /// </summary>
    /// <param name="records">The fewest records a complete run reads.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="records"/> is negative.</exception>
    public JobBuilder<T> ExpectAtLeast(long records)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(records);
        return Configure(o => o.MinimumRecords = records);
    }

    /// <summary>
    /// Configures the job's data SLAs: objectives evaluated at the end of each run attempt, stored in its history
    /// (<see cref="RunHistory"/>), exported as metrics on the <c>BatchKit</c> meter (<c>batchkit.sla.evaluations</c>,
    /// <c>batchkit.sla.value</c>), raised as alerts (<see cref="IAlertSink"/>) when missed, and failing the run when
    /// configured as a gate. Calling it again adds to the same configuration.
    /// </summary>
    /// <param name="configure">Adds objectives, for example <c>s =&gt; s.Completeness(tolerance: 0.001, gate: true).MaxDuration(TimeSpan.FromHours(2))</c>.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> WithSla(Action<SlaBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var draft = Mutable();
        configure(draft.Sla ??= new SlaBuilder());
        return this;
    }

    /// <summary>
    /// Tells <paramref name="notifier"/> of every completed run (for example a <see cref="WebhookNotifier"/> that triggers
    /// the next job), replacing a notifier set before. Delivery is at least once, through the job's retry policy; a
    /// notification that still fails stays pending in the checkpoint store and the next run of the same RunKey delivers
    /// it, with the same <see cref="RunCompletedEvent.EventId"/>. It never makes a completed run incomplete.
    /// </summary>
    /// <param name="notifier">The notifier.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <remarks>The checkpoint store must record notifications (<see cref="ICheckpointStore.RecordsNotifications"/>: SQLite, PostgreSQL and in-memory); with another store a run throws <see cref="NotSupportedException"/> before it starts.</remarks>
    public JobBuilder<T> OnCompleted(IRunNotifier notifier)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        Mutable().Notifier = notifier;
        return this;
    }

    /// <summary>Calls <paramref name="callback"/> for every completed run, as <see cref="OnCompleted(IRunNotifier)"/> does with a notifier.</summary>
    /// <param name="callback">Delivers the event; an exception leaves it pending for the next run of the same RunKey.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public JobBuilder<T> OnCompleted(Func<RunCompletedEvent, CancellationToken, ValueTask> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return OnCompleted(new DelegateRunNotifier(callback));
    }

    /// <summary>Validates the definition and builds the job. The builder cannot be used afterwards.</summary>
    /// <returns>The job.</returns>
    /// <exception cref="JobValidationException">The definition is incomplete or inconsistent; the message lists every problem.</exception>
    /// <exception cref="InvalidOperationException">The builder was already built.</exception>
    public Job Build()
    {
        var draft = Mutable();
        var problems = new List<string>(draft.Problems);
        problems.AddRange(OptionsRule.Failures(new JobOptionsValidator().Validate(null, draft.Options)));
        if (draft.Sla is not null)
        {
            problems.AddRange(SlaDefinition.Validate(draft.Sla, draft.Sink));
        }
        if (draft.Sink is null)
        {
            problems.Add("The job has no sink: call WriteTo.");
        }
        else if (draft.Sink is not ISink<T>)
        {
            problems.Add($"The sink takes {draft.Sink.GetType().Name} records but the last step emits {typeof(T).Name}: call WriteTo after the last step.");
        }

        if (problems.Count > 0)
        {
            throw new JobValidationException($"The job '{draft.Name}' is not valid:{Environment.NewLine}- " + string.Join(Environment.NewLine + "- ", problems))
            {
                JobName = draft.Name,
            };
        }

        draft.Built = true;
        var partitioner = draft.Combine?.Partitioner ?? draft.Shuffle?.Partitioner ?? draft.Partitioner ?? Partitioners.SinglePartition();
        var inputPartitioner = draft.Partitioner ?? Partitioners.SinglePartition();
        var pipeline = draft.Combine is { } combine
            ? draft.Source!.CreateCombinedPipeline((ISink<T>)draft.Sink!, draft.Stages.Take(draft.CombineAt).ToArray(), draft.Stages.Skip(draft.CombineAt + 1).ToArray(), combine, inputPartitioner)
            : draft.Source!.CreatePipeline((ISink<T>)draft.Sink!, draft.Stages.ToArray(), draft.Shuffle, inputPartitioner);
        var timeProvider = draft.TimeProvider;
        var ownsStore = draft.Store is null;
        var store = draft.Store ?? (() => new SqliteCheckpointStore(Path.Combine(Environment.CurrentDirectory, "batchkit-state.db"), null, timeProvider));
        return new Job(draft.Name, pipeline, partitioner, draft.Options, draft.Skip, store, ownsStore, draft.LoggerFactory, timeProvider)
        {
            Sla = draft.Sla is { } sla ? new SlaDefinition(sla.Rules.ToArray(), sla.AlertSink, draft.Sink!) : null,
            Notifier = draft.Notifier,
        };
    }

    private JobBuilder<TOut> Add<TOut>(Stage stage)
    {
        var draft = Mutable();
        if (draft.Sink is not null)
        {
            draft.Problems.Add($"The step '{stage.Name}' is added after WriteTo; add steps before the sink.");
        }

        draft.Stages.Add(stage);
        return this is JobBuilder<TOut> same ? same : new JobBuilder<TOut>(draft);
    }

    private string StageName(string? name, string fallback) => Mutable().StageName(name, fallback);

    private JobDraft Mutable() => _draft.Built
        ? throw new InvalidOperationException($"The job '{_draft.Name}' was already built; start a new definition with Job.Create.")
        : _draft;

    private sealed class DelegateValidator(Func<T, string?> rule) : IRecordValidator<T>
    {
        public string? Validate(T record) => rule(record);
    }
}
