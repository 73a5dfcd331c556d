namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>
/// Stdin that gives <c>bytes</c>, then waits for more that never come, as a pipe from a slow producer does: a read
/// then returns only when its token is cancelled (throwing, as a cancelled pipe read does) or, so that a test can
/// never hang, as the end of the input once <c>giveUp</c> is cancelled.
/// </summary>
public sealed class StallingStream(byte[] bytes, CancellationToken giveUp) : Stream
{
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _position;

    /// <summary>Completes when every byte was read and a read waits for more.</summary>
    public Task Stalled => _stalled.Task;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Take(buffer) is var taken and > 0)
        {
            return taken;
        }

        _stalled.TrySetResult();
        giveUp.WaitHandle.WaitOne();
        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Take(buffer.Span) is var taken and > 0)
        {
            return taken;
        }

        _stalled.TrySetResult();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, giveUp);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return 0;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Take(Span<byte> buffer)
    {
        var taken = Math.Min(buffer.Length, bytes.Length - _position);
        bytes.AsSpan(_position, taken).CopyTo(buffer);
        _position += taken;
        return taken;
    }
}
