using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace BatchKit.Samples.Tests.Fleet;

/// <summary>One NightlyAnalytics <c>worker</c> process, its output collected as it runs.</summary>
public sealed class WorkerProcess : IDisposable
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _drain;

    private WorkerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        var stdout = DrainAsync(process.StandardOutput);
        var stderr = DrainAsync(process.StandardError);
        _drain = Task.WhenAll(stdout, stderr);
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet NightlyAnalytics.dll worker ARGS</c> with the worker's index and count in the environment, as a pod of an Indexed Job gets them.</summary>
    public static WorkerProcess Start(string name, int index, int count, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(NightlyProcess.SampleDll);
        info.ArgumentList.Add("worker");
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment[WorkerOptions.CompletionIndexVariable] = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment[WorkerOptions.WorkerCountVariable] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new WorkerProcess(Process.Start(info)!, name);
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Continue();
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Name} (pid {Id}) did not exit within {timeout}; its output:{Environment.NewLine}{Output}");
        }

        await _drain;
        return _process.ExitCode;
    }

    public void KillHard() => _process.Kill(entireProcessTree: true);

    public void Pause() => Kill(_process.Id, SigStop).Should().Be(0, "SIGSTOP reaches the worker");

    public void Continue() => _ = Kill(_process.Id, SigCont);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Continue();
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
