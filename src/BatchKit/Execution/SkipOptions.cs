namespace BatchKit;

/// <summary>Decides which exceptions thrown by a step skip the record (and store it as an error record) instead of failing the partition.</summary>
public sealed class SkipOptions
{
    /// <summary>Gets or sets the predicate that tells whether a step exception skips the record.</summary>
    /// <value>The default value skips every exception except cancellation, <see cref="OutOfMemoryException"/> and <see cref="BatchKitException"/>s.</value>
    public Func<Exception, bool> IsSkippable { get; set; } = static ex => ex is not (OperationCanceledException or OutOfMemoryException or BatchKitException);

    /// <summary>Gets or sets how a rejected record is turned into the text stored in its error record.</summary>
    /// <value>The default value serializes the record with System.Text.Json, falling back to <see cref="object.ToString"/>.</value>
    public Func<object?, string> FormatPayload { get; set; } = DefaultPayload;

    /// <summary>Gets or sets how many error records of one partition are stored with their payload; past it, rejected records are only counted.</summary>
    /// <value>The default value is 1000. Memory and the state store stay bounded whatever the number of bad records; <see cref="RunResult.Errors"/> counts them all.</value>
    public long MaxStoredErrorsPerPartition { get; set; } = 1000;

    /// <summary>Skips only exceptions of type <typeparamref name="TException"/> (and derived types).</summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <returns>These options.</returns>
    public SkipOptions SkipOnly<TException>()
        where TException : Exception
    {
        IsSkippable = static ex => ex is TException;
        return this;
    }

    internal static string DefaultPayload(object? record)
    {
        if (record is null)
        {
            return "null";
        }

        try
        {
            return System.Text.Json.JsonSerializer.Serialize(record, record.GetType());
        }
#pragma warning disable CA1031 // a record that cannot be serialized is still recorded, by its ToString
        catch (Exception)
#pragma warning restore CA1031
        {
            return record.ToString() ?? string.Empty;
        }
    }
}
