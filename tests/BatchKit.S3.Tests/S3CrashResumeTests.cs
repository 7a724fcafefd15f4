using System.Diagnostics;

namespace BatchKit.S3.Tests;

/// <summary>A job reading S3 objects in another process, killed (SIGKILL) mid-object and run again.</summary>
public sealed class S3CrashResumeTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    [Fact]
    public async Task RunAsync_KilledMidObject_ResumesAtItsByteOffset_ReadingNothingTwice()
    {
        var smallest = long.MaxValue;
        for (var f = 0; f < 2; f++)
        {
            var lines = string.Concat(Enumerable.Range(f * 2_000, 2_000).Select(i => $"{{\"id\":{i},\"name\":\"item-{i}\",\"value\":{i % 50}}}\n"));
            await bucket.PutAsync($"crash/in-{f}.jsonl", lines);
            smallest = Math.Min(smallest, lines.Length);
        }

        using var dir = new TempFolder();
        string[] Args(string name) => ["run", "--state", dir.File(name + ".db"), "--s3-input", bucket.Uri("crash/"), "--output", dir.File(name), "--commit", "50", "--slow-ms", "100", "--parallel", "2"];

        var clean = await RunAsync(Args("clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        clean.Output.Should().Contain("read=4000");

        using (var process = Start(Args("out")))
        {
            for (var i = 0; i < 1200 && !(Directory.Exists(dir.File("out")) && Directory.GetFiles(dir.File("out"), "*.partial", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 20_000)); i++)
            {
                await Task.Delay(50);
            }

            process.HasExited.Should().BeFalse("the run is still going when it is killed");
            process.Kill(entireProcessTree: true); // SIGKILL
            await process.WaitForExitAsync();
        }

        // The killed run left checkpoints in the middle of the objects: the rerun opens them there (a ranged GET from the offset).
        var runKey = new RunKey("testhost-run", RunParameters.Of("date", "2026-11-22")).Value;
        await using (var store = new SqliteCheckpointStore(dir.File("out.db")))
        {
            var positions = new List<long>();
            foreach (var id in new[] { "in-0", "in-1" })
            {
                positions.Add((await store.GetCheckpointAsync(runKey, id, default))?.SourcePosition ?? 0);
            }

            positions.Should().Contain(p => p > 0 && p < smallest, "a partition was checkpointed mid-object before the kill");
        }

        var resumed = await RunAsync(Args("out"));
        resumed.ExitCode.Should().Be(0, resumed.Output + resumed.Error);

        var expected = await RunAsync("dump", "--output", dir.File("clean"));
        var actual = await RunAsync("dump", "--output", dir.File("out"));
        actual.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(4000).And.OnlyHaveUniqueItems();
        actual.Output.Should().Be(expected.Output);
    }

    private static Process Start(params string[] args) => TestHostProcess.Start(args);

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => TestHostProcess.RunAsync(args);
}
