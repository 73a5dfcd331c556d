namespace FhirBulk.Server.Data;

/// <summary>
/// Reads NDJSON lines from a stream into a reusable buffer; a line's memory is valid until the next call.
/// Lines may be of any length (the buffer grows to the longest line), blank lines are skipped.
/// </summary>
internal sealed class NdjsonLineReader(Stream stream) : IDisposable
{
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _eof;

    public long LineNumber { get; private set; }

    public static NdjsonLineReader Open(string path) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan));

    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                ReadOnlyMemory<byte> candidate = _buffer.AsMemory(_start, newline);
                _start += newline + 1;
                LineNumber++;
                if (Trim(ref candidate))
                {
                    line = candidate;
                    return true;
                }

                continue;
            }

            if (_eof)
            {
                ReadOnlyMemory<byte> rest = _buffer.AsMemory(_start, _end - _start);
                _start = _end;
                if (rest.Length > 0)
                {
                    LineNumber++;
                    if (Trim(ref rest))
                    {
                        line = rest;
                        return true;
                    }
                }

                line = default;
                return false;
            }

            Fill();
        }
    }

    private static bool Trim(ref ReadOnlyMemory<byte> line)
    {
        var span = line.Span;
        var length = span.Length;
        while (length > 0 && (span[length - 1] == (byte)'\r' || span[length - 1] == (byte)' ' || span[length - 1] == (byte)'\t'))
        {
            length--;
        }

        line = line[..length];
        return length > 0;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    public void Dispose() => stream.Dispose();
}
