using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BillingRun.PaymentStub;

/// <summary>
/// A small payment API on 127.0.0.1 (Kestrel) that honours the <c>Idempotency-Key</c> header the way card processors do:
/// the first request with a key charges (or declines) and its answer is stored; every later request with the same key
/// gets that same answer, charge id included, and charges nothing. It counts what it did, so a test can check that each
/// account was charged exactly once.
/// </summary>
/// <remarks>
/// <para>Endpoints:</para>
/// <list type="bullet">
/// <item><c>POST /charges</c> with <c>Idempotency-Key</c> and a <see cref="ChargeRequest"/> body: <c>201</c> and the
/// <see cref="Charge"/>; <c>402</c> <c>card_declined</c> for the card <c>tok_declined</c>; <c>400</c> without a key or
/// with a malformed body; <c>422</c> when a key is reused for another account or amount; <c>503</c> for injected
/// failures (<see cref="PaymentStubOptions.FailEvery"/>). A replayed answer carries <c>Idempotent-Replayed: true</c>.</item>
/// <item><c>GET /charges</c>: every charge; <c>GET /charges?idempotency_key=K</c>: the charge made under K, or 404.</item>
/// <item><c>GET /stats</c>: the <see cref="PaymentStubStats"/> counters.</item>
/// </list>
/// <para>State is in memory: a restarted stub has forgotten every key.</para>
/// </remarks>
public sealed class PaymentStub : IAsyncDisposable
{
    /// <summary>The card token that is always declined.</summary>
    public const string DeclinedCard = "tok_declined";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, StallMode> _stalls = new();
    private readonly ConcurrentDictionary<string, byte> _failedKeys = new(StringComparer.Ordinal);
    private readonly PaymentStubOptions _options;
    private WebApplication? _app;
    private long _requests;
    private long _newRequests;
    private long _charges;
    private long _declines;
    private long _replays;
    private long _injected;

    private PaymentStub(PaymentStubOptions options) => _options = options;

    /// <summary>Gets the address the stub listens on, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Gets the counters.</summary>
    public PaymentStubStats Stats
    {
        get
        {
            lock (_lock)
            {
                return new(Interlocked.Read(ref _requests), _charges, _declines, _replays, Interlocked.Read(ref _injected));
            }
        }
    }

    /// <summary>Starts a stub on 127.0.0.1.</summary>
    /// <param name="options">The port and the failures to inject.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The running stub; dispose it to stop it.</returns>
    public static async Task<PaymentStub> StartAsync(PaymentStubOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var stub = new PaymentStub(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        app.MapPost("/charges", (Func<HttpContext, Task<IResult>>)stub.ChargeAsync);
        app.MapGet("/charges", (string? idempotency_key) => stub.List(idempotency_key));
        app.MapGet("/stats", () => Results.Json(stub.Stats));
        await app.StartAsync(cancellationToken);
        stub._app = app;
        stub.BaseAddress = new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return stub;
    }

    /// <summary>Gets every charge made so far, in the order they were made.</summary>
    /// <returns>The charges.</returns>
    public IReadOnlyList<Charge> Charges()
    {
        lock (_lock)
        {
            return _entries.Values.Where(e => e.Charge is not null).OrderBy(e => e.Sequence).Select(e => e.Charge! with { Requests = e.Requests }).ToList();
        }
    }

    /// <summary>Gets how many requests carried each idempotency key (charged or declined).</summary>
    /// <returns>Requests per key.</returns>
    public IReadOnlyDictionary<string, int> RequestsPerKey()
    {
        lock (_lock)
        {
            return _entries.ToDictionary(e => e.Key, e => e.Value.Requests, StringComparer.Ordinal);
        }
    }

    /// <summary>Holds every charge request of <paramref name="accountId"/> until the client aborts it (a timeout), before or after charging.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="mode">Whether the card is charged before the request stalls.</param>
    public void Stall(long accountId, StallMode mode) => _stalls[accountId] = mode;

    /// <summary>Answers every account's requests normally again.</summary>
    public void ClearStalls() => _stalls.Clear();

    /// <summary>Stops the server.</summary>
    /// <returns>A task that completes when the server stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }

    private async Task<IResult> ChargeAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        var aborted = http.RequestAborted;
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length is 0 or > 255)
        {
            return Error(StatusCodes.Status400BadRequest, "idempotency_key_required", "Send an Idempotency-Key header (1 to 255 characters) with every charge.");
        }

        ChargeRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<ChargeRequest>(aborted);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", $"The body is not a charge request: {ex.Message}");
        }

        if (request is null || request.AmountCents <= 0 || string.IsNullOrEmpty(request.Currency) || string.IsNullOrEmpty(request.Card))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "A charge needs account_id, a positive amount_cents, currency and card.");
        }

        if (_options.Latency > TimeSpan.Zero)
        {
            await Task.Delay(_options.Latency, aborted);
        }

        // A stalled account's requests wait until the client gives up (its timeout aborts the request), replays too.
        var stalled = _stalls.TryGetValue(request.AccountId, out var stall);
        if (stalled && stall == StallMode.BeforeCharge)
        {
            await Task.Delay(Timeout.Infinite, aborted);
        }

        if (Replay(key, request, http) is { } replayed)
        {
            if (stalled)
            {
                await Task.Delay(Timeout.Infinite, aborted);
            }

            return replayed;
        }

        // Every Nth key's first request fails; its retry then goes through, so a client that retries always gets there.
        if (_options.FailEvery > 0 && Interlocked.Increment(ref _newRequests) % _options.FailEvery == 0 && _failedKeys.TryAdd(key, 0))
        {
            Interlocked.Increment(ref _injected);
            return Error(StatusCodes.Status503ServiceUnavailable, "unavailable", "Injected failure: try again (nothing was charged).");
        }

        Entry entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                var sequence = _entries.Count + 1;
                var charge = request.Card == DeclinedCard
                    ? null
                    : new Charge(string.Create(CultureInfo.InvariantCulture, $"ch_{sequence:D6}{Guid.NewGuid():N}")[..24], key, request.AccountId, request.AmountCents, request.Currency, 1);
                entry = new Entry(request, charge, sequence);
                _entries.Add(key, entry);
                if (charge is null)
                {
                    _declines++;
                }
                else
                {
                    _charges++;
                }
            }
            else
            {
                entry.Requests++;
                _replays++;
            }
        }

        if (stalled)
        {
            await Task.Delay(Timeout.Infinite, aborted);
        }

        return Answer(entry, replayed: false, http);
    }

    private IResult? Replay(string key, ChargeRequest request, HttpContext http)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out entry))
            {
                return null;
            }

            if (entry.Request.AccountId != request.AccountId || entry.Request.AmountCents != request.AmountCents || entry.Request.Currency != request.Currency)
            {
                return Error(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", $"The key {key} was used for account {entry.Request.AccountId}, {entry.Request.AmountCents} {entry.Request.Currency}.");
            }

            entry.Requests++;
            _replays++;
        }

        return Answer(entry, replayed: true, http);
    }

    private static IResult Answer(Entry entry, bool replayed, HttpContext http)
    {
        if (replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return entry.Charge is null
            ? Error(StatusCodes.Status402PaymentRequired, "card_declined", $"The card of account {entry.Request.AccountId} was declined.")
            : Results.Json(entry.Charge, statusCode: StatusCodes.Status201Created);
    }

    private IResult List(string? idempotencyKey)
    {
        if (idempotencyKey is null)
        {
            return Results.Json(Charges());
        }

        lock (_lock)
        {
            return _entries.TryGetValue(idempotencyKey, out var entry) && entry.Charge is not null
                ? Results.Json(entry.Charge with { Requests = entry.Requests })
                : Error(StatusCodes.Status404NotFound, "no_such_charge", $"No charge was made under the key {idempotencyKey}.");
        }
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    private sealed record Entry(ChargeRequest Request, Charge? Charge, int Sequence)
    {
        public int Requests { get; set; } = 1;
    }
}
