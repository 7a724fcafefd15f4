using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BatchKit.Testing.Services;

namespace BatchKit.Dashboard.Tests;

/// <summary>
/// The real Chromium (TestServices.Chromium), headless, driven over the DevTools protocol on a WebSocket: navigate,
/// click, read the DOM and take screenshots in one page whose cookies persist between steps (as a person's tab does).
/// Also compiled into BatchKit.Samples.Tests (linked), so it depends on nothing else of this project.
/// </summary>
public sealed class ChromiumSession : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Gets the folder screenshots are saved in: <c>artifacts/dashboard</c> under the test output.</summary>
    public static string ArtifactsDirectory { get; } =
        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard")).FullName;

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private Task _receive = Task.CompletedTask;
    private int _nextId;

    private ChromiumSession(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<ChromiumSession> StartAsync()
    {
        var profile = Path.Combine(Path.GetTempPath(), "batchkit-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(TestServices.Chromium) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile,
            "--remote-debugging-port=0", "--window-size=1400,900", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var session = new ChromiumSession(process, profile);
        try
        {
            // Chromium writes the port it chose (and the browser's WebSocket path) to DevToolsActivePort.
            var portFile = Path.Combine(profile, "DevToolsActivePort");
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(portFile) || File.ReadAllLines(portFile).Length < 2)
            {
                if (process.HasExited || deadline.Elapsed > Timeout)
                {
                    throw new InvalidOperationException($"Chromium did not open its DevTools port (exited: {process.HasExited}).");
                }

                await Task.Delay(50);
            }

            var port = File.ReadAllLines(portFile)[0].Trim();
            using var http = new HttpClient();
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
            var page = targets.First(t => (string?)t!["type"] == "page")!;
            await session._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), CancellationToken.None);
            session._receive = session.ReceiveAsync();
            await session.SendAsync("Page.enable");
            await session.SendAsync("Runtime.enable");
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> and waits until its document has loaded.</summary>
    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.AbsoluteUri });
        await WaitForAsync($"location.href === {JsonSerializer.Serialize(url.AbsoluteUri)} && document.readyState === 'complete'");
    }

    /// <summary>Clicks the element <paramref name="selector"/> finds, as a user's click does (a submit button submits its form).</summary>
    public async Task ClickAsync(string selector)
    {
        var found = await EvaluateAsync($"(function(){{var e=document.querySelector({JsonSerializer.Serialize(selector)});if(!e)return false;e.scrollIntoView();e.click();return true;}})()");
        if (found?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"No element matches '{selector}' on {await EvaluateAsync("location.href")}: {await DomAsync()}");
        }
    }

    /// <summary>Waits until the JavaScript <paramref name="condition"/> is true in the page, failing with the DOM after the timeout.</summary>
    public async Task WaitForAsync(string condition, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await EvaluateAsync($"!!({condition})"))?.GetValue<bool>() == true)
                {
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // The page navigated away while the expression ran: look again in the new document.
            }

            if (clock.Elapsed > (timeout ?? Timeout))
            {
                throw new TimeoutException($"'{condition}' did not become true in {(timeout ?? Timeout).TotalSeconds} s; the page is {await DomAsync()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Returns the page's DOM as HTML, after its scripts ran.</summary>
    public async Task<string> DomAsync() => (await EvaluateAsync("document.documentElement.outerHTML"))?.GetValue<string>() ?? "";

    /// <summary>Evaluates a JavaScript expression in the page and returns its value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result["exceptionDetails"] is { } error)
        {
            throw new InvalidOperationException($"The page threw evaluating {expression}: {error.ToJsonString()}");
        }

        return result["result"]?["value"]?.DeepClone();
    }

    /// <summary>Saves a screenshot of the page under the test output's artifacts folder and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        var file = Path.Combine(ArtifactsDirectory, name + ".png");
        await File.WriteAllBytesAsync(file, Convert.FromBase64String((string)result["data"]!));
        return file;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        try
        {
            await _receive;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
        _send.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A Chromium helper may still hold a file for a moment; the folder is in the temp directory.
        }
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _send.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _send.Release();
        }

        var answer = await reply.Task.WaitAsync(Timeout);
        if (answer["error"] is { } error)
        {
            throw new InvalidOperationException($"Chromium refused {method}: {error.ToJsonString()}");
        }

        return answer["result"]!;
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
        {
            var part = await _socket.ReceiveAsync(buffer, _stop.Token);
            if (part.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, part.Count);
            if (!part.EndOfMessage)
            {
                continue;
            }

            var node = JsonNode.Parse(message.ToArray())!;
            message.SetLength(0);
            if (node["id"] is { } id && _pending.TryRemove((int)id, out var reply))
            {
                reply.TrySetResult(node);
            }
        }

        foreach (var reply in _pending.Values)
        {
            reply.TrySetException(new InvalidOperationException("The DevTools connection to Chromium closed."));
        }
    }
}
