using System.Text;
using System.Text.Json;
using FhirBulk.ExportFolder;
using FhirBulk.Http;

namespace FhirBulk.Export;

/// <summary>
/// <c>log.ndjson</c> of an output folder, in the vocabulary of the SMART bulk-data-client (kickoff, status_progress,
/// status_complete, status_error, manifest_complete, download_request, download_complete, download_error,
/// export_complete): one <c>{"exportId","timestamp","eventId","eventDetail"}</c> object per line.
/// Details are built by this library from counts, URLs and server messages: never a header, token or key. Every URL in
/// it, the export id (the status URL) and those named inside messages or a server's OperationOutcome included, is
/// written redacted (<see cref="UrlRedaction"/>): the log is for sharing, and a signed file URL's query is its secret.
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

    /// <summary>
    /// The events written so far, whole lines only (taken under the writers' lock), without a copy: the log only ever
    /// appends, so these bytes of the buffer never change, and a later event goes after them or into a new buffer. A copy
    /// per save (the log is saved every second) was large-object garbage once the log passed 85,000 bytes (issue 13).
    /// </summary>
    public ReadOnlyMemory<byte> Snapshot()
    {
        lock (_gate)
        {
            // TryGetBuffer, not Length: it still answers once the log is disposed (the final write at unlock comes after).
            return _stream is MemoryStream memory && memory.TryGetBuffer(out var written) ? written : throw new InvalidOperationException($"{_path} is a file, not a log kept in memory");
        }
    }

    public string? ExportId { get; set; }

    public void Write(string eventId, Dictionary<string, object?> detail)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("exportId", ExportId is null ? null : UrlRedaction.RedactedIn(ExportId));
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
                json.WriteStringValue(UrlRedaction.RedactedIn(text));
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
                WriteElement(json, element);
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
                json.WriteStringValue(UrlRedaction.RedactedIn(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty));
                break;
        }
    }

    // A server's OperationOutcome, copied as it came but for the URLs in its strings.
    private static void WriteElement(Utf8JsonWriter json, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                json.WriteStringValue(UrlRedaction.RedactedIn(element.GetString()!));
                break;
            case JsonValueKind.Object:
                json.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    json.WritePropertyName(property.Name);
                    WriteElement(json, property.Value);
                }

                json.WriteEndObject();
                break;
            case JsonValueKind.Array:
                json.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteElement(json, item);
                }

                json.WriteEndArray();
                break;
            default:
                element.WriteTo(json);
                break;
        }
    }
}
