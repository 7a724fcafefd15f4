using Amazon.S3;
using Amazon.S3.Model;

namespace BatchKit.S3;

/// <summary>
/// A read-only, seekable view of one object that reads it through ranged GETs in fixed-size blocks, each conditional on
/// the ETag the object had when the stream was opened. Blocks are cached (a bounded number, the least recently used
/// dropped first); a read that continues where the last one ended fetches the next blocks ahead of time. Memory is
/// bounded by (<c>readAhead</c> + 2) blocks, whatever the object's size. Only asynchronous reads are supported.
/// </summary>
internal sealed class S3ObjectStream : Stream
{
    private readonly IAmazonS3 _client;
    private readonly S3Uri _uri;
    private readonly string _etag;
    private readonly int _blockSize;
    private readonly int _readAhead;
    private readonly int _capacity;
    private readonly Dictionary<long, Task<byte[]>> _blocks = [];
    private readonly LinkedList<long> _recent = new();
    private readonly CancellationTokenSource _disposing = new();
    private long _position;
    private long _nextSequential = -1;
    private bool _disposed;

    public S3ObjectStream(IAmazonS3 client, S3Uri uri, long length, string etag, int blockSize, int readAhead)
    {
        _client = client;
        _uri = uri;
        Length = length;
        _etag = etag;
        _blockSize = blockSize;
        _readAhead = readAhead;
        _capacity = readAhead + 2;
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => !_disposed;

    public override bool CanWrite => false;

    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    private int _requests;

    /// <summary>Gets the number of ranged GETs sent (for tests and benchmarks).</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    /// <summary>
    /// Reads synchronously, for readers that do (Parquet.Net reads page data with <see cref="Stream.Read(byte[], int, int)"/>):
    /// blocks that the read-ahead already fetched are copied at once; a block still in flight is waited for.
    /// </summary>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (first, last, count) = Plan(buffer.Length);
        var copied = 0;
        for (var b = first; b <= last && copied < count; b++)
        {
            var task = Fetched(b, CancellationToken.None);
            var block = task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
            copied += CopyFrom(block, b, buffer[copied..count]);
        }

        return Advance(copied);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (first, last, count) = Plan(buffer.Length);
        var copied = 0;
        for (var b = first; b <= last && copied < count; b++)
        {
            var block = await Fetched(b, cancellationToken).ConfigureAwait(false);
            copied += CopyFrom(block, b, buffer.Span[copied..count]);
        }

        return Advance(copied);
    }

    /// <summary>Starts the blocks a read of <paramref name="length"/> bytes needs, and those ahead of a sequential read.</summary>
    private (long First, long Last, int Count) Plan(int length)
    {
        if (_position >= Length || length == 0)
        {
            return (0, -1, 0);
        }

        var count = (int)Math.Min(length, Length - _position);
        var first = _position / _blockSize;
        var last = (_position + count - 1) / _blockSize;
        for (var b = first; b <= last; b++)
        {
            Start(b);
        }

        if (_position == _nextSequential)
        {
            for (var b = last + 1; b <= last + _readAhead && b * _blockSize < Length; b++)
            {
                Start(b);
            }
        }

        return (first, last, count);
    }

    private int CopyFrom(byte[] block, long index, Span<byte> destination)
    {
        var from = (int)(_position - (index * _blockSize));
        var n = Math.Min(block.Length - from, destination.Length);
        block.AsSpan(from, n).CopyTo(destination);
        _position += n;
        return n;
    }

    private int Advance(int copied)
    {
        _nextSequential = _position;
        return copied;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _disposing.CancelAsync().ConfigureAwait(false);
        foreach (var pending in _blocks.Values)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A read-ahead nobody waits for any more: its failure does not matter.
            }
        }

        _blocks.Clear();
        _disposing.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            // Synchronous disposal cannot wait for pending reads: cancel them; their results are dropped.
            _disposed = true;
            _disposing.Cancel();
            foreach (var pending in _blocks.Values)
            {
                _ = pending.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            _blocks.Clear();
        }

        base.Dispose(disposing);
    }

    private void Start(long block)
    {
        if (_blocks.ContainsKey(block))
        {
            Touch(block);
            return;
        }

        while (_blocks.Count >= _capacity && _recent.First is { } oldest)
        {
            _recent.RemoveFirst();
            if (_blocks.Remove(oldest.Value, out var dropped) && !dropped.IsCompleted)
            {
                _ = dropped.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }

        _blocks[block] = FetchAsync(block, _disposing.Token);
        _recent.AddLast(block);
    }

    private void Touch(long block)
    {
        _recent.Remove(block);
        _recent.AddLast(block);
    }

    private async ValueTask<byte[]> Fetched(long block, CancellationToken cancellationToken)
    {
        if (!_blocks.TryGetValue(block, out var task))
        {
            Start(block);
            task = _blocks[block];
        }

        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A failed block is fetched again by the next read, after the source reopens the partition.
            _blocks.Remove(block);
            _recent.Remove(block);
            throw;
        }
    }

    private async Task<byte[]> FetchAsync(long block, CancellationToken cancellationToken)
    {
        var start = block * _blockSize;
        var length = (int)Math.Min(_blockSize, Length - start);
        Interlocked.Increment(ref _requests);
        var request = new GetObjectRequest
        {
            BucketName = _uri.Bucket,
            Key = _uri.Key,
            ByteRange = new ByteRange(start, start + length - 1),
            EtagToMatch = _etag,
        };
        try
        {
            using var response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            var bytes = new byte[length];
            var stream = response.ResponseStream;
            await using (stream.ConfigureAwait(false))
            {
                var read = await stream.ReadAtLeastAsync(bytes, length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read != length)
                {
                    throw new S3StorageException($"{_uri}: a ranged GET of bytes {start}-{start + length - 1} returned {read} bytes, expected {length}; the connection was cut.") { IsTransient = true };
                }
            }

            return bytes;
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsPreconditionFailed(ex))
        {
            throw new S3StorageException(
                $"{_uri}: the object changed while it was read (its ETag is no longer {_etag}); the partition cannot go on reading it. Run with RunOptions.Reprocess to read the new object.", ex)
            {
                IsTransient = false,
                StatusCode = (int)ex.StatusCode,
                ErrorCode = ex.ErrorCode,
            };
        }
        catch (AmazonS3Exception ex)
        {
            throw S3Errors.Translate(ex, _uri.ToString(), "a ranged GET");
        }
    }
}
