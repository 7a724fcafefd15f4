using CsvHelper;

namespace BatchKit.Csv;

/// <summary>Writes one CSV file front to back to a stream, for <see cref="CsvRecordFormat{T}"/>.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class CsvStreamWriter<T>(CsvWriter writer, CsvRecordFormatter<T> formatter) : RecordFormatWriter<T>
    where T : class
{
    private long _rows;

    protected override async ValueTask WriteCoreAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        for (var i = 0; i < records.Length; i++)
        {
            var record = records.Span[i] ?? throw new ArgumentException($"Expected records, found null at index {i} of the chunk (row {_rows + 1} of the file).", nameof(records));
            formatter.Write(writer, record);
            await writer.EndRecordAsync(cancellationToken).ConfigureAwait(false);
            _rows++;
        }
    }

    protected override async ValueTask FinishCoreAsync(CancellationToken cancellationToken)
    {
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await writer.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }
}
