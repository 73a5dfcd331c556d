namespace FhirBulk.Server.Export;

/// <summary>Writes NDJSON lines for one type into <c>&lt;stem&gt;.000.ndjson</c>, <c>.001</c>, … in a job folder, splitting every N lines.</summary>
internal sealed class OutputFileWriter(string jobDirectory, string folder, string stem, string? type, int linesPerFile, Action<OutputFile> onFileClosed) : IDisposable
{
    private FileStream? _file;
    private string _relativePath = string.Empty;
    private int _index = -1;
    private long _count;

    /// <summary>Starts a new file unless <paramref name="lines"/> more lines fit in the current one, so a block is never split.</summary>
    public void KeepTogether(int lines)
    {
        if (_file is not null && _count > 0 && _count + lines > linesPerFile)
        {
            Close();
        }
    }

    public void Write(ReadOnlySpan<byte> line)
    {
        if (_file is null || _count >= linesPerFile)
        {
            Close();
            _index++;
            _relativePath = folder.Length == 0 ? $"{stem}.{_index:000}.ndjson" : $"{folder}/{stem}.{_index:000}.ndjson";
            var path = Path.Combine(jobDirectory, _relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        }

        _file.Write(line);
        _file.WriteByte((byte)'\n');
        _count++;
    }

    private void Close()
    {
        if (_file is null)
        {
            return;
        }

        _file.Dispose();
        _file = null;
        onFileClosed(new OutputFile(type, _relativePath, _count));
        _count = 0;
    }

    public void Dispose() => Close();
}
