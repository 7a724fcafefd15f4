// The BillingRun sample's payment API, standalone: `dotnet run --project samples/BillingRun.PaymentStub -- --port 5080`.
// It keeps its charges in memory while it runs, so that several runs of the billing job (a killed one and its rerun)
// talk to the same stub; GET /charges and GET /stats show what it charged.
using System.Globalization;
using BillingRun.PaymentStub;

var options = new PaymentStubOptions { Port = 5080 };
for (var i = 0; i < args.Length; i++)
{
    var name = args[i];
    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
    {
        Console.Error.WriteLine($"paymentstub: {name} needs a whole number; options: --port N, --fail-every N, --latency-ms N");
        return 2;
    }

    i++;
    switch (name)
    {
        case "--port":
            options = options with { Port = value };
            break;
        case "--fail-every":
            options = options with { FailEvery = value };
            break;
        case "--latency-ms":
            options = options with { Latency = TimeSpan.FromMilliseconds(value) };
            break;
        default:
            Console.Error.WriteLine($"paymentstub: unknown option {name}; options: --port N, --fail-every N, --latency-ms N");
            return 2;
    }
}

await using var stub = await PaymentStub.StartAsync(options);
Console.WriteLine($"paymentstub: listening on {stub.BaseAddress} (POST /charges, GET /charges, GET /stats); Ctrl+C to stop");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

var stats = stub.Stats;
Console.WriteLine($"paymentstub: requests={stats.Requests} charges={stats.Charges} declines={stats.Declines} replays={stats.Replays} injected_failures={stats.InjectedFailures}");
return 0;
