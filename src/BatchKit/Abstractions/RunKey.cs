using System.Security.Cryptography;
using System.Text;

namespace BatchKit;

/// <summary>
/// Identifies a run: the job name plus its identifying parameters. The same RunKey is the same logical run, the unit
/// of idempotency: running it again resumes it, or does nothing once it has completed.
/// </summary>
public sealed record RunKey
{
    /// <summary>Initializes a new instance of the <see cref="RunKey"/> class.</summary>
    /// <param name="jobName">The job name.</param>
    /// <param name="parameters">The identifying run parameters.</param>
    public RunKey(string jobName, RunParameters parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        ArgumentNullException.ThrowIfNull(parameters);
        JobName = jobName;
        Parameters = parameters;
        Value = Hash(jobName, parameters);
    }

    /// <summary>Gets the job name.</summary>
    public string JobName { get; }

    /// <summary>Gets the identifying run parameters.</summary>
    public RunParameters Parameters { get; }

    /// <summary>Gets the SHA-256 (lowercase hex) of the job name and the parameters sorted by key.</summary>
    public string Value { get; }

    /// <summary>Gets the first 12 characters of <see cref="Value"/>, for file names and logs.</summary>
    public string ShortValue => Value[..12];

    /// <inheritdoc/>
    public bool Equals(RunKey? other) => other is not null && Value == other.Value;

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);

    /// <summary>Returns <c>job(parameters)</c>.</summary>
    /// <returns>A readable form of the key.</returns>
    public override string ToString() => $"{JobName}({Parameters})";

    private static string Hash(string jobName, RunParameters parameters)
    {
        var text = new StringBuilder(jobName);
        foreach (var (key, value) in parameters)
        {
            text.Append('\n').Append(key).Append('=').Append(value);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
