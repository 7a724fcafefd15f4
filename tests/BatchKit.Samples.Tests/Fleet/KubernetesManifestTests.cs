using BatchKit.Testing.Services;
using BatchKit.Tests.Support;
using NightlyAnalytics;
using YamlDotNet.RepresentationModel;

namespace BatchKit.Samples.Tests.Fleet;

/// <summary>
/// The sample's Indexed Job manifest (samples/NightlyAnalytics/k8s) against the code: the variables and options the
/// worker reads, the failure policy that matches its exit codes, and a command line the worker accepts.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string ManifestPath = Path.Combine(AppContext.BaseDirectory, "k8s", "nightly-workers.yaml");

    [Fact]
    public void Manifest_IsAnIndexedJobWhoseWorkersReadTheVariablesTheCodeReads()
    {
        var documents = Load();
        var job = documents.Single(d => Text(d, "kind") == "Job");
        var spec = Map(job, "spec");
        Text(spec, "completionMode").Should().Be("Indexed");
        var completions = int.Parse(Text(spec, "completions"), System.Globalization.CultureInfo.InvariantCulture);
        completions.Should().Be(3);
        Text(spec, "parallelism").Should().Be("3");
        Text(spec, "backoffLimitPerIndex").Should().NotBeNullOrEmpty();

        var rules = Seq(Map(spec, "podFailurePolicy"), "rules").Cast<YamlMappingNode>().ToList();
        rules.Should().Contain(r => Text(r, "action") == "Ignore" && Seq(r, "onPodConditions").Cast<YamlMappingNode>().Any(c => Text(c, "type") == "DisruptionTarget"));
        rules.Should().Contain(r => Text(r, "action") == "FailIndex" && ExitCodes(r).Contains("2"), "exit code 2 is a usage error, which never succeeds");

        var container = Seq(Map(Map(spec, "template"), "spec"), "containers").Cast<YamlMappingNode>().Single();
        var args = Seq(container, "args").Select(a => ((YamlScalarNode)a).Value!).ToList();
        args[0].Should().Be("worker");
        var env = Seq(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Text(e, "name"), e => e);
        env.Keys.Should().Contain([WorkerOptions.WorkerCountVariable, NightlyJobSettings.WarehouseVariable, NightlyJobSettings.StateVariable]);
        env.Keys.Should().NotContain(WorkerOptions.CompletionIndexVariable, "Kubernetes sets the completion index itself");
        Text(env[WorkerOptions.WorkerCountVariable], "value").Should().Be(completions.ToString(System.Globalization.CultureInfo.InvariantCulture), "the worker count must equal completions");

        // The connection string comes from the Secret the manifest defines, never from the command line.
        var secret = documents.Single(d => Text(d, "kind") == "Secret");
        var secretName = Text(Map(secret, "metadata"), "name");
        foreach (var variable in new[] { NightlyJobSettings.WarehouseVariable, NightlyJobSettings.StateVariable })
        {
            var reference = Map(Map(env[variable], "valueFrom"), "secretKeyRef");
            Text(reference, "name").Should().Be(secretName);
            Text(Map(secret, "stringData"), Text(reference, "key")).Should().NotBeNullOrEmpty();
        }

        args.Should().NotContain(a => a.Contains("Password", StringComparison.OrdinalIgnoreCase));

        // --input and --staging are on the shared volume, mounted ReadWriteMany.
        var mounts = Seq(container, "volumeMounts").Cast<YamlMappingNode>().Select(m => Text(m, "mountPath")).ToList();
        foreach (var option in new[] { "--input", "--staging" })
        {
            var path = args[args.IndexOf(option) + 1];
            mounts.Should().Contain(m => path.StartsWith(m + "/", StringComparison.Ordinal), $"{option} {path} is on a volume every pod mounts");
        }

        var claim = documents.Single(d => Text(d, "kind") == "PersistentVolumeClaim");
        Seq(Map(claim, "spec"), "accessModes").Select(a => ((YamlScalarNode)a).Value).Should().Contain("ReadWriteMany");
    }

    [Fact]
    public async Task ManifestCommandLine_IsAcceptedByTheWorker()
    {
        // The container's arguments and environment, with the volume's paths in a temp folder and the test server's
        // database as the Secret: the worker must get past its command line (exit 2 would be a usage error). The input
        // folder is empty, so the run itself fails (exit 1), naming the empty input.
        var container = Seq(Map(Map(Map(Load().Single(d => Text(d, "kind") == "Job"), "spec"), "template"), "spec"), "containers").Cast<YamlMappingNode>().Single();
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("events"));
        var args = Seq(container, "args").Select(a => ((YamlScalarNode)a).Value!.Replace("/data/", dir.Path + "/", StringComparison.Ordinal)).ToList();
        await using var db = await PgDatabase.CreateAsync(TestServices.PostgresConnectionString, "bk_fleet_manifest");
        using var worker = WorkerProcessWithEnvironment(args, new Dictionary<string, string>
        {
            ["JOB_COMPLETION_INDEX"] = "1",
            [WorkerOptions.WorkerCountVariable] = "3",
            [NightlyJobSettings.WarehouseVariable] = db.ConnectionString,
            [NightlyJobSettings.StateVariable] = db.ConnectionString,
        });
        var output = worker.StandardOutput.ReadToEndAsync();
        var error = worker.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await worker.WaitForExitAsync(timeout.Token);
        var text = await output + await error;

        worker.ExitCode.Should().Be(1, text);
        text.Should().Contain("worker 1 of 3");
        text.Should().NotContain("unknown option");
        text.Should().NotContain(db.ConnectionString, "the connection string is not printed");
    }

    [Theory]
    [InlineData("3", "3")]
    [InlineData("x", "3")]
    [InlineData("0", "-1")]
    public async Task Worker_BadIndexOrCount_ExitsWithUsage(string index, string count)
    {
        using var worker = WorkerProcessWithEnvironment(
            ["--input", "/nonexistent", "--warehouse", "/tmp/unused.duckdb"],
            new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = index, [WorkerOptions.WorkerCountVariable] = count });
        var error = await worker.StandardError.ReadToEndAsync();
        await worker.WaitForExitAsync();

        worker.ExitCode.Should().Be(2, error);
        error.Should().MatchRegex("JOB_COMPLETION_INDEX|BATCHKIT_WORKER_COUNT|worker index");
    }

    private static System.Diagnostics.Process WorkerProcessWithEnvironment(IEnumerable<string> args, Dictionary<string, string> environment)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(NightlyProcess.SampleDll);
        var list = args.ToList();
        if (list.Count == 0 || list[0] != "worker")
        {
            list.Insert(0, "worker");
        }

        foreach (var a in list)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return System.Diagnostics.Process.Start(info)!;
    }

    private static List<YamlMappingNode> Load()
    {
        File.Exists(ManifestPath).Should().BeTrue($"the manifest is copied next to the tests from samples/NightlyAnalytics/k8s ({ManifestPath})");
        var stream = new YamlStream();
        using (var reader = new StreamReader(ManifestPath))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (YamlMappingNode)child : throw new KeyNotFoundException($"'{key}' is missing from the manifest node at line {node.Start.Line}.");

    private static YamlSequenceNode Seq(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (YamlSequenceNode)child : throw new KeyNotFoundException($"'{key}' is missing from the manifest node at line {node.Start.Line}.");

    private static string Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlScalarNode scalar ? scalar.Value ?? string.Empty : string.Empty;

    private static List<string> ExitCodes(YamlMappingNode rule) =>
        rule.Children.TryGetValue(new YamlScalarNode("onExitCodes"), out var codes)
            ? Seq((YamlMappingNode)codes, "values").Select(v => ((YamlScalarNode)v).Value!).ToList()
            : [];
}
