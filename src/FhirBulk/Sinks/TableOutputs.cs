namespace FhirBulk.Sinks;

/// <summary>
/// Where a file-per-table sink puts a table: <c>&lt;name&gt;&lt;extension&gt;</c> in a folder, or the
/// one stream it was given (stdout), which can then hold only one table.
/// </summary>
internal sealed class TableOutputs
{
    private readonly string? _directory;
    private readonly Stream? _stream;
    private readonly string _extension;
    private int _streamTaken;

    private TableOutputs(string? directory, Stream? stream, string extension)
    {
        _directory = directory;
        _stream = stream;
        _extension = extension;
    }

    public static TableOutputs InDirectory(string directory, string extension)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        return new TableOutputs(directory, null, extension);
    }

    public static TableOutputs ToStream(Stream stream, string extension)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new TableOutputs(null, stream, extension);
    }

    /// <summary>Opens the output for <paramref name="tableName"/>; the caller disposes it (a given stream is only flushed).</summary>
    public Stream Open(string tableName)
    {
        TableNames.Checked(tableName);
        if (_stream is not null)
        {
            return Interlocked.Exchange(ref _streamTaken, 1) == 0
                ? new KeepOpenStream(_stream)
                : throw new TableSinkException($"Cannot write table '{tableName}': this sink writes to a single stream, which already holds a table. Write to a folder for several views.");
        }

        return new FileStream(TableNames.FilePath(_directory!, tableName, _extension), FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16, useAsync: true);
    }

    /// <summary>Lets a writer dispose its output without closing a stream it does not own.</summary>
    private sealed class KeepOpenStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);
    }
}
