using System.Text;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Lines held back until it is known they are wanted, then copied to a writer whole: in memory up to a limit, past it in a
/// temporary file (deleted when the spool is disposed), so that a result of millions of rows is not held in memory.
/// </summary>
/// <param name="newLine">The line end the lines get: the one of the writer they are copied to.</param>
/// <param name="memoryLimit">Characters held in memory before the rest goes to a temporary file.</param>
internal sealed class TextSpool(string newLine, int memoryLimit = TextSpool.DefaultMemoryLimit) : IAsyncDisposable
{
    /// <summary>Eight million characters, 16 MB.</summary>
    public const int DefaultMemoryLimit = 8 * 1024 * 1024;

    private readonly StringBuilder memory = new();
    private StreamWriter? file;

    /// <summary>Whether the lines went past the memory limit into a temporary file.</summary>
    public bool Spilled => file is not null;

    public async Task WriteLineAsync(string line)
    {
        if (file is null && memory.Length + line.Length + newLine.Length > memoryLimit)
        {
            var path = Path.Combine(Path.GetTempPath(), $"fhir-bulk-spool-{Guid.NewGuid():N}.tmp");
            var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            file = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16) { NewLine = newLine };
            await file.WriteAsync(memory).ConfigureAwait(false);
            memory.Clear();
        }

        if (file is not null)
        {
            await file.WriteLineAsync(line).ConfigureAwait(false);
        }
        else
        {
            memory.Append(line).Append(newLine);
        }
    }

    /// <summary>Writes every line to <paramref name="target"/>, in order, and flushes it.</summary>
    public async Task CopyToAsync(TextWriter target)
    {
        if (file is null)
        {
            await target.WriteAsync(memory).ConfigureAwait(false);
        }
        else
        {
            await file.FlushAsync().ConfigureAwait(false);
            file.BaseStream.Position = 0;
            using var reader = new StreamReader(file.BaseStream, file.Encoding, detectEncodingFromByteOrderMarks: false, 1 << 16, leaveOpen: true);
            var buffer = new char[1 << 15];
            int read;
            while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
            }
        }

        await target.FlushAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (file is not null)
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }
    }
}
