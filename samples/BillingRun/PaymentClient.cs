using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatchKit;
using BillingRun.PaymentStub;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace BillingRun;

/// <summary>
/// Charges accounts through the payment API with an <c>Idempotency-Key</c> header, every HTTP call through a Polly
/// pipeline built from the job's <see cref="RetryOptions"/> (retries with exponential backoff and jitter, a timeout per
/// attempt). Because every retry carries the same key, a retried charge is never a second charge at the API.
/// </summary>
/// <remarks>
/// What a failed charge means to <see cref="IdempotencyGuard"/>:
/// <list type="bullet">
/// <item>a 4xx answer (402 card declined, 400, 422): not charged, and never will be on retry: an
/// <see cref="EffectNotPerformedException"/> wrapping a <see cref="PaymentRejectedException"/>, which the job's skip
/// policy stores as an error record of the account;</item>
/// <item>no attempt reached the API (connection refused): not charged: <see cref="EffectNotPerformedException"/>, the
/// claim is released and the partition is attempted again;</item>
/// <item>a 5xx, 408, 409 or 429 answer, a timeout or a broken connection on the last attempt: maybe charged: any other
/// exception, so the charge is in doubt and never repeated automatically.</item>
/// </list>
/// </remarks>
internal sealed class PaymentClient(HttpClient http, ResiliencePipeline<HttpResponseMessage> pipeline)
{
    private readonly ConcurrentDictionary<string, string> _chargeIds = new(StringComparer.Ordinal);
    private long _charged;

    /// <summary>Gets the charges this process made (not replays of earlier ones).</summary>
    public long Charged => Interlocked.Read(ref _charged);

    /// <summary>Builds the pipeline every call goes through: retries of transient failures, and a timeout per attempt.</summary>
    public static ResiliencePipeline<HttpResponseMessage> CreatePipeline(RetryOptions retry, TimeSpan attemptTimeout)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (retry.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retry.MaxRetries,
                Delay = retry.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),
            });
        }

        return builder.AddTimeout(attemptTimeout).Build();
    }

    /// <summary>Charges one account under <paramref name="idempotencyKey"/>; see the remarks of the class for what each failure throws.</summary>
    public async ValueTask ChargeAsync(Account account, string idempotencyKey, CancellationToken cancellationToken)
    {
        var maybeReached = false;
        var attempts = 0;
        HttpResponseMessage response;
        try
        {
            response = await pipeline.ExecuteAsync(
                async token =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "charges")
                    {
                        Content = JsonContent.Create(new ChargeRequest(account.Id, account.AmountCents, account.Currency, account.Card)),
                    };
                    request.Headers.Add("Idempotency-Key", idempotencyKey);
                    attempts++;
                    try
                    {
                        var answer = await http.SendAsync(request, token);
                        maybeReached |= IsTransient(answer.StatusCode);
                        return answer;
                    }
                    catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
                    {
                        throw; // the request was never sent
                    }
                    catch
                    {
                        maybeReached = true; // sent, maybe received: a timeout, a connection broken mid-request
                        throw;
                    }
                },
                cancellationToken);
        }
        catch (HttpRequestException ex) when (!maybeReached)
        {
            throw new EffectNotPerformedException($"Cannot reach the payment API at {http.BaseAddress} to charge account {account.Id}: {ex.Message}", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new TimeoutException($"The payment API did not answer the charge of account {account.Id} (key {idempotencyKey}) within {attempts} attempt(s): the charge is in doubt.", ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var charge = await response.Content.ReadFromJsonAsync<Charge>(cancellationToken)
                    ?? throw new InvalidDataException($"The payment API answered the charge of account {account.Id} with an empty body.");
                _chargeIds[idempotencyKey] = charge.Id;
                if (!response.Headers.Contains("Idempotent-Replayed"))
                {
                    Interlocked.Increment(ref _charged);
                }

                return;
            }

            var (code, message) = await ErrorAsync(response, cancellationToken);
            if (IsTransient(response.StatusCode))
            {
                throw new HttpRequestException($"The payment API answered {(int)response.StatusCode} {code} to the charge of account {account.Id} (key {idempotencyKey}) after {attempts} attempt(s): the charge is in doubt. {message}", null, response.StatusCode);
            }

            var rejected = new PaymentRejectedException($"Account {account.Id}: the payment API refused the charge of {Money(account)} with {(int)response.StatusCode} {code}: {message}")
            {
                AccountId = account.Id,
                StatusCode = (int)response.StatusCode,
                Code = code,
            };
            throw new EffectNotPerformedException(rejected.Message, rejected);
        }
    }

    /// <summary>Gets the charge id of a charge this process made, or asks the API for the charge made under the key (by an earlier attempt).</summary>
    /// <returns>The charge id, or <see langword="null"/> if the API has no charge under the key.</returns>
    public async ValueTask<string?> FindChargeIdAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        if (_chargeIds.TryRemove(idempotencyKey, out var id))
        {
            return id;
        }

        using var response = await pipeline.ExecuteAsync(
            async token => await http.GetAsync(new Uri("charges?idempotency_key=" + Uri.EscapeDataString(idempotencyKey), UriKind.Relative), token),
            cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var charge = await response.Content.ReadFromJsonAsync<Charge>(cancellationToken);
        return charge?.Id;
    }

    public static string Money(Account account) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{account.AmountCents / 100m:F2} {account.Currency}");

    private static bool IsTransient(HttpStatusCode status) => (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests;

    private static async Task<(string Code, string Message)> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var json = JsonDocument.Parse(body);
            var error = json.RootElement.GetProperty("error");
            return (error.GetProperty("code").GetString() ?? "error", error.GetProperty("message").GetString() ?? string.Empty);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (response.ReasonPhrase ?? "error", body.Length > 200 ? body[..200] : body);
        }
    }
}
