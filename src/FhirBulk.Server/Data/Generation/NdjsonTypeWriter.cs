using System.Buffers;
using System.Text.Json;

namespace FhirBulk.Server.Data.Generation;

/// <summary>
/// Writes one resource type as NDJSON files <c>&lt;Type&gt;.000.ndjson</c>, <c>.001</c>, …, split every
/// <c>resourcesPerFile</c> lines. Resources are written straight into a pooled buffer with
/// <see cref="Utf8JsonWriter"/> (no DOM) and flushed to disk in large blocks.
/// </summary>
internal sealed class NdjsonTypeWriter : IAsyncDisposable
{
    private const int FlushThreshold = 1 << 16;
    // The generator writes only ASCII text of its own, so the relaxed encoder is safe and skips needless escaping.
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _directory;
    private readonly string _type;
    private readonly string _fileStem;
    private readonly int _resourcesPerFile;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);
    private readonly Utf8JsonWriter _json;
    private FileStream? _file;
    private int _fileIndex = -1;
    private long _inFile;

    public NdjsonTypeWriter(string directory, string type, int resourcesPerFile, string? fileStem = null)
    {
        _directory = directory;
        _type = type;
        _fileStem = fileStem ?? type;
        _resourcesPerFile = resourcesPerFile <= 0 ? int.MaxValue : resourcesPerFile;
        _json = new Utf8JsonWriter(_buffer, WriterOptions);
    }

    public long Count { get; private set; }

    public long Bytes { get; private set; }

    public List<string> Files { get; } = [];

    /// <summary>Starts a resource object; the caller writes its properties and calls <see cref="EndResourceAsync"/>.</summary>
    public Utf8JsonWriter BeginResource(string id)
    {
        _json.WriteStartObject();
        _json.WriteString("resourceType"u8, _type);
        _json.WriteString("id"u8, id);
        return _json;
    }

    /// <summary>
    /// Starts a deletion Bundle (the shape of the manifest's <c>deleted</c> files: a transaction with one DELETE entry)
    /// for <paramref name="type"/>/<paramref name="id"/>; the caller calls <see cref="EndResourceAsync"/>.
    /// </summary>
    public void BeginDeletion(string bundleId, DateTimeOffset deletedAt, string type, string id, string patientId)
    {
        var bundle = BeginResource(bundleId);
        bundle.WriteMeta(deletedAt);
        bundle.WriteString("type"u8, "transaction");
        bundle.WriteStartArray("entry"u8);
        bundle.WriteStartObject();
        bundle.WriteStartObject("request"u8);
        bundle.WriteString("method"u8, "DELETE");
        bundle.WriteString("url"u8, string.Concat(type, "/", id));
        bundle.WriteEndObject();
        bundle.WriteEndObject();
        bundle.WriteEndArray();

        // The deleted resource's patient, so Patient and Group exports can scope their deletions.
        bundle.WriteStartArray("extension"u8);
        bundle.WriteStartObject();
        bundle.WriteString("url"u8, GeneratedData.DeletedPatientExtension);
        bundle.WriteReference("valueReference"u8, "Patient", patientId);
        bundle.WriteEndObject();
        bundle.WriteEndArray();
    }

    /// <summary>Writes a whole resource held as a node (a new version of one read back from the data).</summary>
    public ValueTask WriteResourceAsync(System.Text.Json.Nodes.JsonObject resource, CancellationToken cancellationToken)
    {
        var json = BeginResource((string)resource["id"]!);
        foreach (var (name, value) in resource)
        {
            if (name is not ("resourceType" or "id"))
            {
                json.WritePropertyName(name);
                if (value is null)
                {
                    json.WriteNullValue();
                }
                else
                {
                    value.WriteTo(json);
                }
            }
        }

        return EndResourceAsync(cancellationToken);
    }

    public async ValueTask EndResourceAsync(CancellationToken cancellationToken)
    {
        _json.WriteEndObject();
        _json.Flush();
        _json.Reset();
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        Count++;
        _inFile++;
        if (_file is null || _inFile > _resourcesPerFile)
        {
            await RollAsync(cancellationToken);
        }
        else if (_buffer.WrittenCount >= FlushThreshold)
        {
            await FlushAsync(cancellationToken);
        }
    }

    private async ValueTask RollAsync(CancellationToken cancellationToken)
    {
        // The resource just written belongs to the next file when the current one is full.
        var pending = _buffer.WrittenMemory;
        var lastStart = pending.Span[..^1].LastIndexOf((byte)'\n') + 1;
        if (_file is not null)
        {
            await _file.WriteAsync(pending[..lastStart], cancellationToken);
            Bytes += lastStart;
            await _file.DisposeAsync();
        }

        var rest = pending[lastStart..].ToArray();
        _buffer.ResetWrittenCount();
        _buffer.Write(rest);
        _fileIndex++;
        _inFile = 1;
        var name = $"{_fileStem}.{_fileIndex:000}.ndjson";
        Files.Add(name);
        // Made with the first file, so that a type with nothing to write (no deletions) leaves no empty folder.
        Directory.CreateDirectory(_directory);
        _file = new FileStream(Path.Combine(_directory, name), FileMode.Create, FileAccess.Write, FileShare.Read, 1, useAsync: true);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_file is not null && _buffer.WrittenCount > 0)
        {
            await _file.WriteAsync(_buffer.WrittenMemory, cancellationToken);
            Bytes += _buffer.WrittenCount;
            _buffer.ResetWrittenCount();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync(CancellationToken.None);
        if (_file is not null)
        {
            await _file.DisposeAsync();
        }

        await _json.DisposeAsync();
    }
}
