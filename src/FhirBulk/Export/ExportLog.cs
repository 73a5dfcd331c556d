using System.Text;
using System.Text.Json;
using FhirBulk.ExportFolder;

namespace FhirBulk.Export;

/// <summary>
/// <c>log.ndjson</c> of an output folder, in the vocabulary of the SMART bulk-data-client (kickoff, status_progress,
/// status_complete, status_error, manifest_complete, download_request, download_complete, download_error,
/// export_complete): one <c>{"exportId","timestamp","eventId","eventDetail"}</c> object per line.
/// Details are built by this library from counts, URLs and server messages: never a header, token or key.
/// </summary>
internal sealed class ExportLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Stream _stream;
    private readonly TimeProvider _time;

    // Where the log lives, for messages: a file path, or an object's URL for a log kept in memory and written as an object.
    private readonly string _path;
    private readonly string? _folder;

    public ExportLog(string path, TimeProvider time)
        // Unbuffered: a write that fails (disk full) must not stay in a buffer for Dispose to fail on again, hiding the first error.
        : this(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0), path, Path.GetDirectoryName(path) ?? path, time)
    {
    }

    private ExportLog(Stream stream, string path, string? folder, TimeProvider time)
    {
        _time = time;
        _path = path;
        _folder = folder;
        _stream = stream;

        // A process killed mid-line leaves a fragment; start on a fresh line so later events stay readable.
        if (_stream.Length > 0)
        {
            _stream.Seek(-1, SeekOrigin.End);
            var last = _stream.ReadByte();
            if (last != '\n')
            {
                _stream.WriteByte((byte)'\n');
            }
        }

        _stream.Seek(0, SeekOrigin.End);
    }

    /// <summary>
    /// A log kept in memory, carrying on <paramref name="earlier"/> (the log object a previous run wrote): an object store
    /// cannot append, so the whole log is written as an object with each state save (<see cref="Snapshot"/>). It holds
    /// events, a few hundred bytes per file, never data.
    /// </summary>
    public static ExportLog InMemory(byte[] earlier, string described, TimeProvider time)
    {
        var stream = new MemoryStream();
        stream.Write(earlier);
        return new ExportLog(stream, described, folder: null, time);
    }

    /// <summary>The events written so far, whole lines only (taken under the writers' lock).</summary>
    public byte[] Snapshot()
    {
        lock (_gate)
        {
            return _stream is MemoryStream memory ? memory.ToArray() : throw new InvalidOperationException($"{_path} is a file, not a log kept in memory");
        }
    }

    public string? ExportId { get; set; }

    public void Write(string eventId, Dictionary<string, object?> detail)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("exportId", ExportId);
            json.WriteString("timestamp", _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("eventId", eventId);
            json.WritePropertyName("eventDetail");
            WriteValue(json, detail);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        lock (_gate)
        {
            // The log shares the disk with the data: when it is full, the export stops as the folder's problem, not the server's.
            FolderIo.Write(_folder ?? _path, _path, () =>
            {
                _stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
                _stream.Flush();
            });
        }
    }

    public void Dispose()
    {
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // The log is diagnostic; a failure to close it must not replace the failure being reported.
        }
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string text:
                json.WriteStringValue(text);
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case int number:
                json.WriteNumberValue(number);
                break;
            case long number:
                json.WriteNumberValue(number);
                break;
            case double number:
                json.WriteNumberValue(number);
                break;
            case JsonElement element:
                element.WriteTo(json);
                break;
            case Dictionary<string, object?> map:
                json.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    json.WritePropertyName(key);
                    WriteValue(json, item);
                }

                json.WriteEndObject();
                break;
            case System.Collections.IEnumerable list:
                json.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(json, item);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }
}
