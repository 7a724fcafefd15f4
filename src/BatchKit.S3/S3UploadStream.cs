using System.Buffers;

namespace BatchKit.S3;

/// <summary>
/// The forward-only stream a <see cref="RecordFormatWriter{T}"/> writes an object to: bytes go into the multipart
/// upload's buffer, and asynchronous writes send each part as it fills (bytes written synchronously are sent at the
/// writer's next asynchronous write or at the sink's next flush). It cannot seek or read; <see cref="Position"/> counts
/// the bytes written, which is all Parquet.Net needs to record column chunk offsets in the footer.
/// </summary>
internal sealed class S3UploadStream(S3MultipartObjectWriter upload, int partSize) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException($"{upload.Uri}: an upload stream has no length; read Position for the bytes written.");

    public override long Position
    {
        get => upload.Size + upload.Buffer.WrittenCount;
        set => throw new NotSupportedException($"{upload.Uri}: an upload stream is written front to back and cannot seek.");
    }

    public override void Write(ReadOnlySpan<byte> buffer) => upload.Buffer.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var room = Math.Max(partSize - upload.Buffer.WrittenCount, 0);
            var take = room == 0 ? 0 : Math.Min(room, buffer.Length);
            upload.Buffer.Write(buffer.Span[..take]);
            buffer = buffer[take..];
            await upload.FlushFullPartsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        // Parts are sent as they fill; the last one when the upload completes.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => upload.FlushFullPartsAsync(cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException($"{upload.Uri}: an upload stream cannot be read.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException($"{upload.Uri}: an upload stream is written front to back and cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException($"{upload.Uri}: an upload stream is written front to back and cannot change its length.");
}
