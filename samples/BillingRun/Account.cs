namespace BillingRun;

/// <summary>One account to bill: a row of the <c>accounts</c> table (PostgreSQL or the generated SQLite file).</summary>
/// <param name="Id">The account id, the table's integer key (the partitions are ranges of it).</param>
/// <param name="Email">The account's email.</param>
/// <param name="AmountCents">This month's amount due, in cents.</param>
/// <param name="Currency">The ISO currency code.</param>
/// <param name="Card">The stored card token the payment API charges.</param>
public sealed record Account(long Id, string Email, long AmountCents, string Currency, string Card);
