using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace BatchKit.Tests.Notifications;

/// <summary>A real HTTP endpoint on 127.0.0.1 (HttpListener): answers 500 to the first <c>failures</c> requests, then 200, and keeps every request.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _failuresLeft;

    public WebhookReceiver(int failures)
    {
        _failuresLeft = failures;
        var port = FreePort();
        Uri = new Uri($"http://127.0.0.1:{port}/hooks/run-completed/");
        _listener.Prefixes.Add(Uri.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Uri { get; }

    public ConcurrentQueue<Delivery> Requests { get; } = new();

    public async ValueTask DisposeAsync()
    {
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

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
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
            var fail = Interlocked.Decrement(ref _failuresLeft) >= 0;
            Requests.Enqueue(new Delivery(context.Request.HttpMethod, context.Request.Headers["Idempotency-Key"], context.Request.ContentType, body, fail ? 500 : 200));
            context.Response.StatusCode = fail ? 500 : 200;
            context.Response.Close();
        }
    }

    public sealed record Delivery(string Method, string? IdempotencyKey, string? ContentType, string Body, int Answered)
    {
        public string EventId => JsonDocument.Parse(Body).RootElement.GetProperty("eventId").GetString()!;
    }
}
