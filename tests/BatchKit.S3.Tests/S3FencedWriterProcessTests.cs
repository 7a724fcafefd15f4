using System.Diagnostics;
using System.Runtime.InteropServices;
using Amazon.S3.Model;
using Xunit.Abstractions;

namespace BatchKit.S3.Tests;

/// <summary>
/// A process writing S3 output paused (SIGSTOP) past its lease just before it publishes; another process takes the run
/// over and publishes; the paused one is woken (SIGCONT) and cannot replace what was published.
/// </summary>
public sealed class S3FencedWriterProcessTests(S3TestBucket bucket, ITestOutputHelper output) : IClassFixture<S3TestBucket>
{
    private const int SigCont = 18;

    [Fact]
    public async Task Run_WriterPausedPastItsLease_WokenAfterATakeoverPublished_CannotReplaceThePublishedObject()
    {
        for (var f = 0; f < 2; f++)
        {
            await bucket.PutAsync($"fence-in/in-{f}.jsonl", string.Concat(Enumerable.Range(f * 1_000, 1_000).Select(i => $"{{\"id\":{i},\"name\":\"item-{i}\",\"value\":{i % 50}}}\n")));
        }

        using var dir = new TempFolder();
        string[] Args(string name, params string[] more) =>
            ["run", "--state", dir.File(name + ".db"), "--s3-input", bucket.Uri("fence-in/"), "--sink", "s3-jsonl", "--s3-output", bucket.Uri(name + "/"), "--commit", "100", "--parallel", "1", "--lease-s", "3", "--lease-wait-s", "90", .. more];
        var runKey = new RunKey("testhost-run", RunParameters.Of("date", "2026-11-22"));

        var clean = await TestHostProcess.RunAsync(Args("clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        var expected = await PublishedLinesAsync("clean", runKey);
        expected.Should().HaveCount(2_000);

        // The first writer wrote every record of in-0 and is about to publish it when it pauses itself (SIGSTOP).
        using var first = TestHostProcess.Start(Args("out", "--stop-before-complete", "in-0"));
        var firstError = first.StandardError.ReadToEndAsync();
        string? line;
        var firstLines = new List<string>();
        while ((line = await first.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("stopping partition=in-0", StringComparison.Ordinal))
        {
            firstLines.Add(line);
        }

        if (line is null)
        {
            await first.WaitForExitAsync();
            line.Should().NotBeNull("the first writer reaches the publication of in-0: " + string.Join('\n', firstLines) + await firstError);
        }

        for (var i = 0; i < 600 && !IsStopped(first.Id); i++)
        {
            await Task.Delay(50);
        }

        IsStopped(first.Id).Should().BeTrue("the first writer is paused (SIGSTOP)");
        var firstEpoch = long.Parse(line!.Split("epoch=")[1], System.Globalization.CultureInfo.InvariantCulture);
        var firstRest = first.StandardOutput.ReadToEndAsync();
        var paused = Stopwatch.StartNew();
        var manifestKey = "out/date=2026-11-22/_manifests/in-0.json";
        GetObjectMetadataResponse published;
        S3Manifest manifest;
        try
        {
            // Past its lease (3 s), a second process takes in-0 over at a later epoch, publishes both partitions and completes the run.
            await Task.Delay(TimeSpan.FromSeconds(7));
            var second = await TestHostProcess.RunAsync(Args("out"));
            second.ExitCode.Should().Be(0, second.Output + second.Error);
            second.Output.Should().Contain("status=Completed");
            published = await bucket.Client.GetObjectMetadataAsync(bucket.Name, manifestKey);
            manifest = (await Sink("out").GetPublishedAsync(runKey, "in-0"))!;
            manifest.Epoch.Should().BeGreaterThan(firstEpoch, "the second process took in-0 over at a later epoch");
        }
        finally
        {
            _ = Kill(first.Id, SigCont);
        }

        output.WriteLine($"first writer (epoch {firstEpoch}) paused for {paused.Elapsed.TotalSeconds:F1} s");

        // Woken, the first writer goes on from where it stopped: to publish in-0 with its old epoch. The state store and the
        // conditional manifest PUT refuse it; the run it reports is the one the second process completed.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            await first.WaitForExitAsync(timeout.Token);
        }

        var firstOutput = string.Join('\n', firstLines) + '\n' + await firstRest;
        output.WriteLine($"first writer exited {first.ExitCode}: {firstOutput.Trim()} {(await firstError).Trim()}");
        firstOutput.Should().Contain("continued partition=in-0", "the first writer was woken and went on to publish in-0");

        var after = await bucket.Client.GetObjectMetadataAsync(bucket.Name, manifestKey);
        after.ETag.Should().Be(published.ETag, "the published manifest of in-0 is not replaced");
        var now = (await Sink("out").GetPublishedAsync(runKey, "in-0"))!;
        now.Should().Be(manifest);
        (await PublishedLinesAsync("out", runKey)).Should().Equal(expected, "the published output is that of a clean run");

        // What the woken writer may have left is its own epoch's unreferenced object (never a published one): cleanup removes it.
        var removed = await S3Cleanup.RemoveUnpublishedAsync(bucket.Client, bucket.Uri("out/"), TimeSpan.Zero);
        removed.Where(k => !k.EndsWith($"/in-0.e{firstEpoch}.jsonl", StringComparison.Ordinal)).Should().BeEmpty();
        (await PublishedLinesAsync("out", runKey)).Should().Equal(expected);

        // Refused before it completed its upload, the woken writer aborted it: no parts are left behind.
        (await bucket.UploadsAsync()).Should().NotContain(k => k.StartsWith("out/", StringComparison.Ordinal));
    }

    private S3JsonLinesSink<object> Sink(string prefix) => new(bucket.Client, bucket.Uri(prefix + "/"));

    /// <summary>The lines of the published objects of in-0 and in-1, sorted.</summary>
    private async Task<List<string>> PublishedLinesAsync(string prefix, RunKey runKey)
    {
        var lines = new List<string>();
        foreach (var id in new[] { "in-0", "in-1" })
        {
            var manifest = await Sink(prefix).GetPublishedAsync(runKey, id);
            manifest.Should().NotBeNull($"{id} is published under {prefix}/");
            var text = await bucket.GetTextAsync(manifest!.DataObject[$"s3://{bucket.Name}/".Length..]);
            lines.AddRange(text!.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static bool IsStopped(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('T', StringComparison.Ordinal));

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
