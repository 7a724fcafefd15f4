using BatchKit.Benchmarks.Support;
using BenchmarkDotNet.Running;

if (args is ["--smoke", .. var filter])
{
    // Runs every benchmark once with its first parameter values, outside BenchmarkDotNet: a check in seconds that the
    // setups and the benchmarks work, not a measurement.
    return await Smoke.RunAsync(typeof(Program).Assembly, filter);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
