using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BatchKit;

/// <summary>
/// Posts a run's completion event as JSON to an HTTP endpoint, with the event id in the <c>Idempotency-Key</c> header
/// (and in the body's <c>eventId</c>), so the receiver can drop a repeated delivery.
/// </summary>
/// <remarks>
/// Any status other than 2xx fails the delivery with an <see cref="HttpRequestException"/> naming the endpoint and the
/// status; the runner retries it through the job's retry policy (<see cref="JobOptions.Retry"/>), and after that the
/// notification stays pending for the next run of the same RunKey. Thread-safe; the <see cref="HttpClient"/> is not
/// disposed by the notifier.
/// </remarks>
public sealed class WebhookNotifier : IRunNotifier
{
    /// <summary>The name of the header that carries the event id: <c>Idempotency-Key</c>.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private readonly HttpClient _httpClient;
    private readonly Uri _endpoint;

    /// <summary>Initializes a new instance of the <see cref="WebhookNotifier"/> class.</summary>
    /// <param name="httpClient">The client to post with (its timeout bounds each try).</param>
    /// <param name="endpoint">The absolute URI to post the event to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="httpClient"/> or <paramref name="endpoint"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not an absolute http or https URI.</exception>
    public WebhookNotifier(HttpClient httpClient, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The webhook endpoint '{endpoint}' must be an absolute http or https URI.", nameof(endpoint));
        }

        _httpClient = httpClient;
        _endpoint = endpoint;
    }

    /// <inheritdoc/>
    /// <exception cref="HttpRequestException">The endpoint answered with a status other than 2xx, or could not be reached.</exception>
    public async ValueTask NotifyAsync(RunCompletedEvent completed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completed);
        var json = JsonSerializer.Serialize(completed, NotificationJsonContext.Default.RunCompletedEvent);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, completed.EventId);
        using var response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"The webhook {_endpoint} answered {((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)} {response.ReasonPhrase} to the completion event {completed.EventId} of the job '{completed.JobName}'.",
                null,
                response.StatusCode);
        }
    }
}
