namespace BatchKit;

/// <summary>Checks a record before it reaches the steps.</summary>
/// <typeparam name="T">The record type.</typeparam>
public interface IRecordValidator<in T>
{
    /// <summary>Validates a record.</summary>
    /// <param name="record">The record.</param>
    /// <returns><see langword="null"/> when the record is valid; otherwise the reason it is not.</returns>
    string? Validate(T record);
}
