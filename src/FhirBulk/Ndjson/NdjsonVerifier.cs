using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using FhirBulk.Export;

namespace FhirBulk.Ndjson;

/// <summary>
/// Checks a file as its bytes stream past: counts resources, checks each line is a JSON object of the expected
/// <c>resourceType</c>, and hashes everything with SHA-256. Lines may be split across chunks; only the current
/// line is buffered, never the file.
/// </summary>
internal sealed class NdjsonVerifier(string fileName, string? expectedType, ErrorPolicy mode) : IDisposable
{
    public const int MaxReportedInvalidLines = 20;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly ArrayBufferWriter<byte> _pending = new();
    private readonly List<InvalidLine> _invalid = [];
    private readonly byte[]? _expectedType = expectedType is null ? null : System.Text.Encoding.UTF8.GetBytes(expectedType);
    private long _line;

    public long Resources { get; private set; }

    public long Bytes { get; private set; }

    public long InvalidLineCount { get; private set; }

    public IReadOnlyList<InvalidLine> InvalidLines => _invalid;

    public void Append(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        Bytes += data.Length;
        while (!data.IsEmpty)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _pending.Write(data);
                return;
            }

            if (_pending.WrittenCount == 0)
            {
                CheckLine(data[..newline]);
            }
            else
            {
                _pending.Write(data[..newline]);
                CheckLine(_pending.WrittenSpan);
                _pending.ResetWrittenCount();
            }

            data = data[(newline + 1)..];
        }
    }

    /// <summary>Checks a last line without a terminator and returns the SHA-256 of everything appended (lowercase hex).</summary>
    public string Complete()
    {
        if (_pending.WrittenCount > 0)
        {
            CheckLine(_pending.WrittenSpan);
            _pending.ResetWrittenCount();
        }

        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose() => _hash.Dispose();

    private void CheckLine(ReadOnlySpan<byte> line)
    {
        _line++;
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.Trim(" \t"u8).IsEmpty)
        {
            return;
        }

        // The scanner settles nearly every line; the reader re-reads only what it is unsure of, and words the problem.
        var problem = ResourceLineScanner.TryScan(line, out var type) && (_expectedType is null || type.SequenceEqual(_expectedType))
            ? null
            : Problem(line);
        if (problem is null)
        {
            Resources++;
            return;
        }

        InvalidLineCount++;
        if (mode == ErrorPolicy.Fail)
        {
            throw new FhirBulkException($"{fileName} line {_line}: {problem}");
        }

        if (_invalid.Count < MaxReportedInvalidLines)
        {
            _invalid.Add(new InvalidLine(_line, problem));
        }
    }

    private string? Problem(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "not a JSON object";
            }

            string? resourceType = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("resourceType"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String)
                {
                    resourceType = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                return "text after the JSON object";
            }

            return resourceType is null ? "no resourceType"
                : expectedType is not null && resourceType != expectedType ? $"resourceType '{resourceType}', expected '{expectedType}'"
                : null;
        }
        catch (JsonException exception)
        {
            return $"invalid JSON ({exception.Message})";
        }
    }
}
