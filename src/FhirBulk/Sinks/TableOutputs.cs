namespace FhirBulk.Sinks;

/// <summary>
/// Where a file-per-table sink puts a table: <c>&lt;name&gt;&lt;extension&gt;</c> in a folder, or the
/// one stream it was given (stdout), which can then hold only one table.
/// </summary>
/// <remarks>
/// A table's file is staged (see <see cref="StagedFiles"/>) and replaces the previous one only at
/// <see cref="Commit"/>. A stream is written through: what reached stdout cannot be taken back.
/// </remarks>
internal sealed class TableOutputs
{
    private readonly string? _directory;
    private readonly Stream? _stream;
    private readonly string _extension;
    private readonly StagedFiles _staged = new();
    private readonly List<TableOutput> _open = [];
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
        FileWrites.Run(() => Directory.CreateDirectory(directory), e => TableSinkException.WriteFailure(directory, e));
        return new TableOutputs(directory, null, extension);
    }

    public static TableOutputs ToStream(Stream stream, string extension)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new TableOutputs(null, stream, extension);
    }

    /// <summary>Opens the output for <paramref name="tableName"/>; the caller completes or disposes it (a given stream is only flushed).</summary>
    public TableOutput Open(string tableName)
    {
        TableNames.Checked(tableName);
        if (_stream is not null)
        {
            return Interlocked.Exchange(ref _streamTaken, 1) == 0
                ? new TableOutput(new KeepOpenStream(_stream), null)
                : throw new TableSinkException($"Cannot write table '{tableName}': this sink writes to a single stream, which already holds a table. Write to a folder for several views.");
        }

        StagedFile file = _staged.Add(TableNames.FilePath(_directory!, tableName, _extension));
        FileStream stream = FileWrites.Run(
            // Unbuffered: the writers buffer, so closing an abandoned table has nothing to flush that could fail again.
            () => new FileStream(file.TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true),
            file.WriteFailure);
        var output = new TableOutput(new WriteFailureStream(stream, file.WriteFailure), file);
        _open.Add(output);
        return output;
    }

    /// <summary>
    /// Beside a table's file in a folder, <c>&lt;name&gt;.schema.json</c>: the view's typed schema (<see cref="TableSchemas"/>),
    /// which CSV and NDJSON cannot carry themselves (SQL-on-FHIR "Overriding Default Type Mappings": the types a reader
    /// should give each column). Staged and committed with the table; nothing for a stream.
    /// </summary>
    public void WriteSchema(Views.ViewSchema schema)
    {
        if (_directory is null)
        {
            return;
        }

        StagedFile file = _staged.Add(TableNames.FilePath(_directory, schema.Name, TableSchemas.FileExtension));
        FileWrites.Run(() => File.WriteAllText(file.TempPath, TableSchemas.ToJson(schema)), file.WriteFailure);
        file.MarkComplete();
    }

    /// <summary>Replaces each table's file with the one written since the last commit.</summary>
    /// <exception cref="InvalidOperationException">A table was not completed; no file is replaced.</exception>
    public void Commit()
    {
        _staged.Commit();
        _open.Clear();
    }

    /// <summary>Closes and deletes the files not committed, leaving the previous ones.</summary>
    public async ValueTask DiscardAsync()
    {
        // Closed first, or a file still open could not be deleted on Windows.
        foreach (TableOutput output in _open)
        {
            await output.DisposeAsync();
        }

        _open.Clear();
        _staged.Discard();
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

/// <summary>One table's output: the stream to write and, for a file, its staged version.</summary>
internal sealed class TableOutput(Stream stream, StagedFile? file) : IAsyncDisposable
{
    public Stream Stream => stream;

    /// <summary>The table is whole: flushes and closes the file, which the sink may then commit.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await stream.FlushAsync(cancellationToken);
        await stream.DisposeAsync();
        file?.MarkComplete();
    }

    /// <summary>Closes the output; a file not completed is left for the sink to delete.</summary>
    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
