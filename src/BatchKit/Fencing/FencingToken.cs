namespace BatchKit;

/// <summary>
/// The fencing token of one attempt: the lease owner and epoch that every write which deletes, truncates, renames into
/// place, commits or publishes output must carry. A process that lost its lease (it was paused past the lease and another
/// process took over with a higher epoch) can never change output that the later epoch owns or has published.
/// </summary>
/// <remarks>
/// <para>
/// Sinks use it in two ways. <see cref="ThrowIfExpired"/> is a cheap local check (self-fencing): the token expires once
/// the attempt has gone longer than the lease duration minus a safety margin without a successful renewal, measured on a
/// monotonic clock, so a process that wakes from a pause stops before its next write. <see cref="EnsureHeldAsync"/> also
/// confirms the lease with the state store and is called immediately before a destructive or publishing step. Where the
/// output lives in a database, the sink records <see cref="Epoch"/> in the same transaction as the write and refuses the
/// write when a higher epoch is recorded (storage-side fencing, which has no residual window).
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class FencingToken
{
    private readonly Func<bool> _isExpired;
    private readonly Func<CancellationToken, ValueTask<bool>> _confirmHeld;

    /// <summary>Initializes a new instance of the <see cref="FencingToken"/> class.</summary>
    /// <param name="owner">The lease owner.</param>
    /// <param name="epoch">The lease epoch; a takeover increases it.</param>
    /// <param name="confirmHeld">Confirms with the lease's authority that the lease is still held; returns <see langword="false"/> when it was lost.</param>
    /// <remarks>The executor creates the tokens of its attempts; this constructor lets sink authors test a sink against a lost lease.</remarks>
    public FencingToken(string owner, long epoch, Func<CancellationToken, ValueTask<bool>> confirmHeld)
        : this(owner, epoch, static () => false, confirmHeld)
    {
    }

    internal FencingToken(string owner, long epoch, Func<bool> isExpired, Func<CancellationToken, ValueTask<bool>> confirmHeld)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentNullException.ThrowIfNull(confirmHeld);
        Owner = owner;
        Epoch = epoch;
        _isExpired = isExpired;
        _confirmHeld = confirmHeld;
    }

    /// <summary>
    /// Gets a token that is always held, with epoch 0, for sinks used outside a <see cref="JobRunner"/> (tests, tools).
    /// </summary>
    public static FencingToken Unfenced { get; } = new("unfenced", 0, static _ => ValueTask.FromResult(true));

    /// <summary>Gets the lease owner (host, process id, process start and a random suffix).</summary>
    public string Owner { get; }

    /// <summary>Gets the lease epoch. A takeover increases it, so a higher epoch always wins.</summary>
    public long Epoch { get; }

    /// <summary>
    /// Gets the duration of the lease the token stands for, for sinks that bound what a stalled writer may hold on to
    /// by it (for example a database session idle in a transaction).
    /// </summary>
    /// <value>The executor sets the lease duration of the attempt; the default value is <see cref="TimeSpan.Zero"/>: unknown.</value>
    public TimeSpan LeaseDuration { get; init; }

    /// <summary>Gets a value indicating whether the attempt has gone too long without renewing its lease and must stop writing.</summary>
    public bool IsExpired => _isExpired();

    /// <summary>Throws when the token has expired locally (self-fencing). Cheap: no I/O.</summary>
    /// <exception cref="LeaseLostException">The lease may have been taken over.</exception>
    public void ThrowIfExpired()
    {
        if (_isExpired())
        {
            throw Lost("went longer than its lease without renewing it");
        }
    }

    /// <summary>
    /// Checks the token locally and, only when it has expired there (renewals were late, for example on a starved
    /// machine), confirms the lease with the state store, which renews it if no later epoch took it over. Cheap in the
    /// common case; call it before each write.
    /// </summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the lease is known to be current.</returns>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    public ValueTask EnsureCurrentAsync(CancellationToken cancellationToken) =>
        _isExpired() ? ConfirmAsync(cancellationToken) : ValueTask.CompletedTask;

    /// <summary>
    /// Confirms that the lease is still held by this token's owner and epoch: locally (<see cref="ThrowIfExpired"/>) and
    /// with the state store. Call it immediately before each destructive or publishing step.
    /// </summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the lease is confirmed.</returns>
    /// <exception cref="LeaseLostException">The lease was lost or has expired.</exception>
    public async ValueTask EnsureHeldAsync(CancellationToken cancellationToken)
    {
        ThrowIfExpired();
        await ConfirmAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns <c>owner#epoch</c>.</summary>
    /// <returns>The token as text.</returns>
    public override string ToString() => $"{Owner}#{Epoch}";

    private async ValueTask ConfirmAsync(CancellationToken cancellationToken)
    {
        if (!await _confirmHeld(cancellationToken).ConfigureAwait(false))
        {
            throw Lost("was taken over by a later epoch");
        }

        ThrowIfExpired(); // the confirmation itself may have been paused past the lease
    }

    private LeaseLostException Lost(string why) =>
        new($"The lease of {Owner} at epoch {Epoch} {why}; this attempt stops without changing output.") { IsTransient = false };
}
