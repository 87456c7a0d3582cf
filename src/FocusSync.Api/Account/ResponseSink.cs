using System.Buffers;
using System.IO.Pipelines;

namespace FocusSync.Api.Account;

/// <summary>
/// A write-only stream into the response's pipe that never does I/O itself: writers that write synchronously (the
/// JSON serializer's flush, the ZIP archive's deflate stream) only fill the pipe's buffers, and the export sends them
/// with <see cref="SendAsync"/> once <see cref="Pending"/> is large enough, so neither blocks a thread on the network
/// nor holds more than a few buffers of the document.
/// </summary>
internal sealed class ResponseSink(PipeWriter pipe) : Stream
{
    public long Pending { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public async Task SendAsync(CancellationToken cancellationToken)
    {
        await pipe.FlushAsync(cancellationToken);
        Pending = 0;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        pipe.Write(buffer);
        Pending += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <summary>Nothing to do: what was written is in the pipe, and <see cref="SendAsync"/> sends it.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
