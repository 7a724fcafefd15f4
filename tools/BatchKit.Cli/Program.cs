using BatchKit.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await BatchKitCli.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, !Console.IsOutputRedirected, cancellation.Token).ConfigureAwait(false);
