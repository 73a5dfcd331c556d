using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace FhirBulk.Ndjson;

/// <summary>
/// Reads one (already decompressed) NDJSON stream into resources by the NDJSON line contract: framed by
/// <see cref="NdjsonLineSplitter"/> and judged by <see cref="ResourceLineClassifier"/>, as the download check does.
/// </summary>
/// <remarks>
/// <para>
/// Each non-blank line's bytes are copied once, out of the read buffer into the array its <see cref="ResourceLine"/>
/// then owns (a malformed line, or one of a type not wanted, is copied too and dropped: the files of an export hold one
/// type each, and a source skips a file whose name gives a type not wanted without reading it). Resource type names
/// repeat on every line, so they are interned: a file of a million Observations allocates the string "Observation" once.
/// </para>
/// <para>
/// The lines of one read buffer are framed on the reading thread, then judged on up to
/// <see cref="NdjsonSourceOptions.MaxDegreeOfParallelism"/> threads, then handed out (or reported as malformed) in
/// order. Judging is most of a reader's work; on a type whose views pass over most lines (smoking status over every
/// Observation) it would otherwise leave the evaluating threads idle.
/// </para>
/// </remarks>
/// <param name="sourceName">The file (or stream) as messages name it.</param>
/// <param name="options">How to read.</param>
/// <param name="report">Where malformed lines go.</param>
/// <param name="resourceTypes">The types to hand out; <see langword="null"/> for all.</param>
/// <param name="fileType">
/// The type the file's name gives (<see cref="ExportFolder.ExportFolderLayout.TypeFromName"/>), whose lines must all be of
/// it, as the download check holds each file to its manifest entry's type; <see langword="null"/> for a mixed file.
/// Without it, a Patient in <c>Observation.000.ndjson</c> would count when a view of Observations has the file read, and
/// not otherwise.
/// </param>
internal sealed class NdjsonLineReader(
    string sourceName,
    NdjsonSourceOptions options,
    MalformedLineReport report,
    IReadOnlySet<string>? resourceTypes,
    string? fileType)
{
    // A mixed file holds a few dozen types; the bound keeps a hostile input from growing the table.
    private const int MaxInternedTypes = 256;

    // Fewer lines than this in a buffer are judged on the reading thread: handing them out would cost more than it saves.
    private const int MinLinesToShare = 8;

    private readonly NdjsonLineSplitter _lines = new();
    private readonly List<ResourceLine> _ready = [];
    private readonly List<Framed> _framed = [];
    private readonly Lock _interning = new();
    private readonly ParallelOptions _parallel = new() { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
    private Verdict[] _verdicts = [];

    // Copied on write, so that threads judging lines read it without a lock.
    private (byte[] Utf8, string Name)[] _typeNames = [];

    public async IAsyncEnumerable<ResourceLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
        try
        {
            int read;
            while ((read = await ReadChunkAsync(stream, buffer, cancellationToken)) > 0)
            {
                Split(buffer.AsSpan(0, read));
                foreach (var line in _ready)
                {
                    yield return line;
                }

                _ready.Clear();
            }

            if (_lines.TryReadFinalLine(out var last))
            {
                _framed.Add(new Framed(last.ToArray(), _lines.LineNumber, _lines.TextOffset));
                Judge();
                foreach (var line in _ready)
                {
                    yield return line;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the next chunk; 0 at the end, and at a cut in gzip data, which is reported where the lines stop.</summary>
    private async ValueTask<int> ReadChunkAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(buffer.AsMemory(0, options.BufferSize), cancellationToken);
        }
        catch (GzipEndOfStreamException cut)
        {
            // The unfinished last line is a piece of one, not a line to judge.
            _lines.DiscardPartialLine();
            report.RejectTruncatedGzip(sourceName, _lines.LineNumber + 1, cut.CompressedBytesRead, cut.Corruption, options.MalformedLines);
            return 0;
        }
    }

    private void Split(ReadOnlySpan<byte> data)
    {
        while (_lines.TryReadLine(ref data, out var line))
        {
            _framed.Add(new Framed(line.ToArray(), _lines.LineNumber, _lines.TextOffset));
        }

        Judge();
    }

    /// <summary>Judges the framed lines, then, in reading order, reports the malformed ones and readies the resources.</summary>
    /// <exception cref="MalformedNdjsonException">A line is malformed and the policy is <see cref="ErrorPolicy.Fail"/>.</exception>
    private void Judge()
    {
        var count = _framed.Count;
        if (_verdicts.Length < count)
        {
            _verdicts = new Verdict[Math.Max(count, _verdicts.Length * 2)];
        }

        if (count < MinLinesToShare || options.MaxDegreeOfParallelism == 1)
        {
            for (var i = 0; i < count; i++)
            {
                _verdicts[i] = Judge(_framed[i]);
            }
        }
        else
        {
            Parallel.For(0, count, _parallel, i => _verdicts[i] = Judge(_framed[i]));
        }

        try
        {
            for (var i = 0; i < count; i++)
            {
                var (framed, verdict) = (_framed[i], _verdicts[i]);
                if (verdict.Problem is { } problem)
                {
                    report.Reject(new MalformedLine(sourceName, framed.Number, problem), options.MalformedLines);
                }
                else if (verdict.Wanted)
                {
                    _ready.Add(new ResourceLine(verdict.Type!, verdict.Id, framed.Json, sourceName, framed.Number));
                }
            }
        }
        finally
        {
            _framed.Clear();
            Array.Clear(_verdicts, 0, count);
        }
    }

    /// <summary>One line's verdict: thread-safe, as it reads only the line, the options and the interned names.</summary>
    private Verdict Judge(Framed line)
    {
        if (ResourceLineClassifier.Classify(line.Json, line.TextOffset, out var key) is { } problem)
        {
            return new Verdict(problem, null, null, false);
        }

        var type = Intern(key.ResourceType);
        if (fileType is not null && !string.Equals(type, fileType, StringComparison.Ordinal))
        {
            return new Verdict(ResourceLineClassifier.WrongType(type, fileType), null, null, false);
        }

        return resourceTypes is null || resourceTypes.Contains(type)
            ? new Verdict(null, type, key.HasId ? Encoding.UTF8.GetString(key.Id) : null, true)
            : default;
    }

    private string Intern(ReadOnlySpan<byte> utf8)
    {
        if (Find(Volatile.Read(ref _typeNames), utf8) is { } known)
        {
            return known;
        }

        lock (_interning)
        {
            var names = _typeNames;
            if (Find(names, utf8) is { } added)
            {
                return added;
            }

            var value = Encoding.UTF8.GetString(utf8);
            if (names.Length < MaxInternedTypes)
            {
                Volatile.Write(ref _typeNames, [.. names, (utf8.ToArray(), value)]);
            }

            return value;
        }
    }

    private static string? Find((byte[] Utf8, string Name)[] names, ReadOnlySpan<byte> utf8)
    {
        foreach (var (bytes, name) in names)
        {
            if (utf8.SequenceEqual(bytes))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>A non-blank line as framed: its own copy of the text, its number and how far into the raw line the text starts.</summary>
    private readonly record struct Framed(byte[] Json, long Number, int TextOffset);

    /// <summary>A malformed line's problem, or a resource's interned type and id and whether the source wants its type.</summary>
    private readonly record struct Verdict(string? Problem, string? Type, string? Id, bool Wanted);
}
