namespace BatchKit.Parquet;

/// <summary>
/// Builds records from decoded column arrays, in place of the property mapping of a <see cref="ParquetRecordMap{T}"/>,
/// for the fastest possible reads or for record types the map cannot build.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// The source validates the file against <see cref="Columns"/> when a partition is opened, decodes each row group once,
/// column by column, into arrays of the declared types, and calls <see cref="Map"/> for each slice of rows it hands out.
/// </para>
/// <para>One instance serves every partition, in parallel: keep it stateless.</para>
/// </remarks>
/// <example>
/// <code>
/// sealed class EventMapper : IParquetRowMapper&lt;Event&gt;
/// {
///     public IReadOnlyList&lt;ParquetColumnBinding&gt; Columns { get; } =
///         [new("user_id", typeof(long)), new("amount", typeof(double))];
///
///     public void Map(ParquetColumnBatch batch, int firstRow, Span&lt;Event&gt; destination)
///     {
///         var users = batch.GetValues&lt;long&gt;(0);
///         var amounts = batch.GetValues&lt;double&gt;(1);
///         for (var i = 0; i &lt; destination.Length; i++)
///         {
///             destination[i] = new Event(users[firstRow + i], amounts[firstRow + i]);
///         }
///     }
/// }
/// </code>
/// </example>
public interface IParquetRowMapper<T>
{
    /// <summary>Gets the columns to decode, in the order <see cref="ParquetColumnBatch.GetValues{TValue}"/> indexes them.</summary>
    IReadOnlyList<ParquetColumnBinding> Columns { get; }

    /// <summary>Builds the records of rows <c>firstRow</c> to <c>firstRow + destination.Length - 1</c> of a row group.</summary>
    /// <param name="batch">The decoded columns of the row group.</param>
    /// <param name="firstRow">The row, within the row group, of <c>destination[0]</c>.</param>
    /// <param name="destination">Receives one record per row.</param>
    void Map(ParquetColumnBatch batch, int firstRow, Span<T> destination);
}
