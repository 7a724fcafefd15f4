using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace BatchKit.Tests.Notifications;

/// <summary>
/// A real HTTP endpoint on 127.0.0.1 (HttpListener) that holds the first request open, without answering, until it is
/// disposed (the sender is killed meanwhile), and answers 200 to every later one. It keeps every request it received.
/// </summary>
public sealed class HoldingWebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly TaskCompletionSource<WebhookReceiver.Delivery> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentBag<HttpListenerContext> _held = [];
    private readonly Task _loop;
    private int _received;

    public HoldingWebhookReceiver()
    {
        using (var socket = new TcpListener(IPAddress.Loopback, 0))
        {
            socket.Start();
            Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndpoint).Port}/hooks/run-completed/");
        }

        _listener.Prefixes.Add(Uri.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Uri { get; }

    /// <summary>Gets the first request, once it arrived (it is held open).</summary>
    public Task<WebhookReceiver.Delivery> FirstRequest => _first.Task;

    public ConcurrentQueue<WebhookReceiver.Delivery> Requests { get; } = new();

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _held)
        {
            context.Response.Abort();
        }

        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var first = Interlocked.Increment(ref _received) == 1;
            var delivery = new WebhookReceiver.Delivery(context.Request.HttpMethod, context.Request.Headers["Idempotency-Key"], context.Request.ContentType, body, first ? 0 : 200);
            Requests.Enqueue(delivery);
            if (first)
            {
                _held.Add(context); // no answer: the delivery stays in flight
                _first.TrySetResult(delivery);
                continue;
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
