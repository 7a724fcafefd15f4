using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using BatchKit.Tests.Support;
using BillingRun.PaymentStub;

namespace BatchKit.BillingRun.Tests;

/// <summary>The payment stub as its own process (the README's setup), and the API contract it keeps.</summary>
public sealed class PaymentStubProcessTests
{
    [Fact]
    public async Task Stub_AsItsOwnProcess_ServesTheSampleAndCountsItsCharges()
    {
        using var dir = new TempDirectory();
        var port = FreePort();
        using var stub = ChildProcess.Start("BillingRun.PaymentStub.dll", ["--port", $"{port}"]);
        try
        {
            var banner = await stub.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
            banner.Should().Contain($"listening on http://127.0.0.1:{port}/");

            var run = await ChildProcess.RunAsync(ChildProcess.Billing,
            [
                "--month", "2026-10", "--generate", "150", "--decline-every", "50", "--accounts", dir.File("accounts.db"),
                "--payments", $"http://127.0.0.1:{port}", "--state", dir.File("state.db"), "--ledger", dir.File("ledger"),
            ]);

            run.ExitCode.Should().Be(0, run.ToString());
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var stats = await http.GetFromJsonAsync<PaymentStubStats>("stats");
            stats.Should().Be(new PaymentStubStats(Requests: 150, Charges: 147, Declines: 3, Replays: 0, InjectedFailures: 0));
            var charges = await http.GetFromJsonAsync<List<Charge>>("charges");
            charges!.Select(c => c.Id).Order().Should().Equal(Ledger.Read(dir.File("ledger"), "2026-10").Select(l => l.ChargeId).Order());
        }
        finally
        {
            stub.Kill(entireProcessTree: true);
            await stub.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Charges_SameKeyTwice_ChargesOnceAndReplaysTheAnswer()
    {
        await using var stub = await PaymentStub.StartAsync(new PaymentStubOptions());
        using var http = new HttpClient { BaseAddress = stub.BaseAddress };

        var first = await PostAsync(http, "key-1", new ChargeRequest(1, 1250, "EUR", "tok_visa"));
        var second = await PostAsync(http, "key-1", new ChargeRequest(1, 1250, "EUR", "tok_visa"));
        var reused = await PostAsync(http, "key-1", new ChargeRequest(2, 1250, "EUR", "tok_visa"));
        var declined = await PostAsync(http, "key-2", new ChargeRequest(3, 990, "EUR", PaymentStub.DeclinedCard));
        var declinedAgain = await PostAsync(http, "key-2", new ChargeRequest(3, 990, "EUR", PaymentStub.DeclinedCard));
        var keyless = await http.PostAsJsonAsync("charges", new ChargeRequest(4, 100, "EUR", "tok_visa"));

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        var charge = await first.Content.ReadFromJsonAsync<Charge>();
        second.StatusCode.Should().Be(HttpStatusCode.Created);
        second.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        (await second.Content.ReadFromJsonAsync<Charge>())!.Id.Should().Be(charge!.Id, "the same key gets the same charge id");
        reused.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        declined.StatusCode.Should().Be(HttpStatusCode.PaymentRequired);
        (await declined.Content.ReadAsStringAsync()).Should().Contain("card_declined");
        declinedAgain.StatusCode.Should().Be(HttpStatusCode.PaymentRequired);
        keyless.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        stub.Charges().Should().ContainSingle().Which.Should().Be(charge with { Requests = 2 }, "two requests were answered with it; the one with another account was refused");
        (await http.GetFromJsonAsync<Charge>("charges?idempotency_key=key-1"))!.Id.Should().Be(charge.Id);
        (await http.GetAsync(new Uri("charges?idempotency_key=key-2", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound, "a declined key has no charge");
        stub.Stats.Should().Be(new PaymentStubStats(Requests: 6, Charges: 1, Declines: 1, Replays: 2, InjectedFailures: 0));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string key, ChargeRequest request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "charges") { Content = JsonContent.Create(request) };
        message.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(message);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
