namespace BatchKit.Testing.Services;

/// <summary>
/// The servers the tests run against, as eng/services.sh (called by eng/test.sh and .ci/run) started them. A test
/// that needs a server and finds none fails with a message that says how to start one: no test is skipped.
/// </summary>
internal static class TestServices
{
    /// <summary>The Npgsql connection string of the test PostgreSQL server.</summary>
    public static string PostgresConnectionString => Require("BATCHKIT_PG", "PostgreSQL");

    /// <summary>The S3 endpoint (radosgw) of the test run.</summary>
    public static string S3Endpoint => Require("BATCHKIT_S3_ENDPOINT", "S3 (radosgw)");

    /// <summary>The S3 access key of the test run.</summary>
    public static string S3AccessKey => Require("BATCHKIT_S3_ACCESS_KEY", "S3 (radosgw)");

    /// <summary>The S3 secret key of the test run.</summary>
    public static string S3SecretKey => Require("BATCHKIT_S3_SECRET_KEY", "S3 (radosgw)");

    /// <summary>
    /// The configuration file of the test run's Ceph cluster, for tests that start (and kill) a radosgw of their own on
    /// another port over the same cluster.
    /// </summary>
    public static string CephConf => Require("BATCHKIT_CEPH_CONF", "Ceph (radosgw)");

    /// <summary>The Chromium executable for browser tests.</summary>
    public static string Chromium => Require("BATCHKIT_CHROMIUM", "Chromium");

    /// <summary>The Python interpreter with aiosmtpd, for tests that start their own SMTP server.</summary>
    public static string SmtpPython => Require("BATCHKIT_SMTP_PYTHON", "SMTP (python3 with aiosmtpd)");

    /// <summary>The tmux executable, for tests of terminal output (eng/services.sh installs it when it is missing).</summary>
    public static string Tmux =>
        Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator).Select(d => Path.Combine(d, "tmux")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("tmux is not installed (no tmux on PATH). Run the suite with `bash eng/test.sh` or `bash eng/services.sh CMD...`, which install it, or `apt-get install tmux`.");

    private static string Require(string variable, string server) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{server} is not running for this test run ({variable} is not set). Run the suite with `bash eng/test.sh`, " +
                "which installs and starts the servers it needs, or start them around any command with `bash eng/services.sh CMD...`.");
}
