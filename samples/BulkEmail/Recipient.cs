namespace BulkEmail;

/// <summary>One recipient of the campaign.</summary>
/// <param name="Number">The recipient's number, 0-based.</param>
/// <param name="Address">The email address.</param>
internal sealed record Recipient(long Number, string Address);
