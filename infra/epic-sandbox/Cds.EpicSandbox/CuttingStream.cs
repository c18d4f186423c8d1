namespace Cds.EpicSandbox;

/// <summary>Passes the first <c>limit</c> body bytes through, flushes them, then aborts the connection (a download cut mid-stream).</summary>
internal sealed class CuttingStream(Stream inner, long limit, Microsoft.AspNetCore.Http.HttpContext ctx) : Stream
{
    private long _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _written >= limit ? Task.CompletedTask : inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_written >= limit)
        {
            throw new IOException("Connection cut by an injected fault.");
        }

        var take = (int)Math.Min(buffer.Length, limit - _written);
        await inner.WriteAsync(buffer[..take], cancellationToken);
        _written += take;
        if (_written >= limit)
        {
            await inner.FlushAsync(cancellationToken);
            // Let the bytes reach the socket before the reset (an abort drops what is still queued).
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            ctx.Abort();
            throw new IOException("Connection cut by an injected fault.");
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
