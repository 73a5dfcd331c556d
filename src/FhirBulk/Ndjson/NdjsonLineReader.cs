using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace FhirBulk.Ndjson;

/// <summary>
/// Reads one (already decompressed) NDJSON stream into resources by the NDJSON line contract: framed by
/// <see cref="NdjsonLineSplitter"/> and judged by <see cref="ResourceLineClassifier"/>, as the download check does.
/// </summary>
/// <remarks>
/// <para>
/// Lines are judged where they lie in the read buffer (a line split across two reads is gathered into its own array
/// first), and only a resource handed out is copied, once, into the array its <see cref="ResourceLine"/> then owns: a
/// malformed line, one of a type not wanted and one the consumer's <see cref="IResourceLineFilter"/> turns down are
/// never copied. A reader given a <see cref="LineBlockPool"/> copies none: each read goes into a block of its own,
/// and the resources handed out lie in it, lent (<see cref="ResourceLine.Block"/>) until their consumer releases them. Resource type names repeat on every line, so they are interned: a file of a million Observations
/// allocates the string "Observation" once.
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
/// <param name="lineFilter">The consumer's test of judged lines, or <see langword="null"/> to hand out every resource of the wanted types.</param>
/// <param name="topLevelMembers">
/// Whether each resource handed out carries where its top-level members lie (<see cref="ResourceLine.Members"/>), as the
/// scan that judges it finds them: for the view engine, which then need not read the line again to index it.
/// </param>
/// <param name="lending">Where the blocks come from that lines are lent in, or <see langword="null"/> to copy each line handed out.</param>
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
    string? fileType,
    IResourceLineFilter? lineFilter = null,
    bool topLevelMembers = false,
    LineBlockPool? lending = null)
{
    // A mixed file holds a few dozen types; the bound keeps a hostile input from growing the table.
    private const int MaxInternedTypes = 256;

    // Fewer lines than this in a buffer are judged on the reading thread: handing them out would cost more than it saves.
    private const int MinLinesToShare = 8;

    // Room for the top-level members of one line (four ints each): the Synthea sample's resources write at most 15; a
    // line with more is handed out without them (the engine then walks it). And a bound on the room for one read buffer's lines,
    // so that a buffer of many tiny lines does not grow the table without limit: its lines go without.
    private const int MemberBytes = 4 * 4 * 32;
    private const int MaxMemberBytes = 4 << 20;

    private readonly NdjsonLineSplitter _lines = new();
    private readonly List<ResourceLine> _ready = [];
    private readonly List<Framed> _framed = [];
    private readonly Lock _interning = new();
    private readonly ParallelOptions _parallel = new() { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
    private Verdict[] _verdicts = [];
    private byte[] _ownMembers = [];

    // The read buffer whose lines are being framed and judged: Framed lines without a copy of their own lie in it. When
    // lending, it is the buffer of _block, and _members its table.
    private byte[] _chunk = [];
    private LineBlock? _block;
    private byte[] _members = [];

    // Copied on write, so that threads judging lines read it without a lock.
    private (byte[] Utf8, string Name)[] _typeNames = [];

    public async IAsyncEnumerable<ResourceLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = lending is null ? ArrayPool<byte>.Shared.Rent(options.BufferSize) : null;
        try
        {
            while (true)
            {
                // A lent block stays as read until every line handed out from it is released: each read takes its own.
                _block = lending?.Rent();
                _chunk = _block?.Buffer ?? buffer!;
                var read = await ReadChunkAsync(stream, _chunk, cancellationToken);
                if (read == 0)
                {
                    _block?.Release();
                    _block = null;
                    break;
                }

                Split(_chunk.AsSpan(0, read));
                foreach (var line in _ready)
                {
                    yield return line;
                }

                _ready.Clear();
                _block?.Release();
                _block = null;
            }

            if (_lines.TryReadFinalLine(out var last))
            {
                _framed.Add(new Framed(last.ToArray(), 0, last.Length, _lines.LineNumber, _lines.TextOffset));
                Judge();
                foreach (var line in _ready)
                {
                    yield return line;
                }
            }
        }
        finally
        {
            _block?.Release();
            _block = null;
            _chunk = [];
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
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

    private void Split(ReadOnlySpan<byte> chunk)
    {
        var data = chunk;
        while (_lines.TryReadLine(ref data, out var line))
        {
            // A line within this read is judged where it lies; one gathered from two reads lies in the splitter's
            // buffer, which the next line reuses, so it gets its own copy now.
            _framed.Add(chunk.Overlaps(line, out var offset)
                ? new Framed(null, offset, line.Length, _lines.LineNumber, _lines.TextOffset)
                : new Framed(line.ToArray(), 0, line.Length, _lines.LineNumber, _lines.TextOffset));
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

        var recording = topLevelMembers && (long)count * MemberBytes <= MaxMemberBytes;
        if (recording)
        {
            // A lent line's table is read where the judging wrote it, so it lives in the line's block.
            _members = _block?.EnsureMembers(count * MemberBytes) ?? EnsureOwnMembers(count * MemberBytes);
        }

        if (count < MinLinesToShare || options.MaxDegreeOfParallelism == 1)
        {
            for (var i = 0; i < count; i++)
            {
                _verdicts[i] = Judge(_framed[i], recording ? MembersOf(i) : default);
            }
        }
        else
        {
            Parallel.For(0, count, _parallel, i => _verdicts[i] = Judge(_framed[i], recording ? MembersOf(i) : default));
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
                    _ready.Add(_block is not null && framed.Copy is null ? Lent(verdict, framed, i)
                        : verdict.Members > 0 ? WithMembers(verdict, framed, MembersOf(i)[..(4 * verdict.Members)])
                        : new ResourceLine(verdict.Type!, verdict.Id, framed.Copy ?? Bytes(framed).ToArray(), sourceName, framed.Number));
                }
                else if (verdict.PassedOver)
                {
                    lineFilter!.PassedOver(verdict.Type!);
                }
            }
        }
        finally
        {
            _framed.Clear();
            Array.Clear(_verdicts, 0, count);
        }
    }

    /// <summary>
    /// One line's verdict: thread-safe, as it reads only the line, the options, the interned names and the read buffer,
    /// which no one writes while its lines are judged.
    /// </summary>
    private Verdict Judge(Framed line, Span<int> members)
    {
        var json = Bytes(line);
        if (ResourceLineClassifier.Classify(json, line.TextOffset, out var key, members, out var memberCount) is { } problem)
        {
            return new Verdict(problem, null, null, false, false, 0);
        }

        var type = Intern(key.ResourceType);
        if (fileType is not null && !string.Equals(type, fileType, StringComparison.Ordinal))
        {
            return new Verdict(ResourceLineClassifier.WrongType(type, fileType), null, null, false, false, 0);
        }

        if (resourceTypes is not null && !resourceTypes.Contains(type))
        {
            return default;
        }

        return lineFilter is not null && !lineFilter.Wants(type, json, key.MayHoldEscapes, memberCount > 0 ? members[..(4 * memberCount)] : default)
            ? new Verdict(null, type, null, false, true, 0)
            : new Verdict(null, type, key.HasId ? Encoding.UTF8.GetString(key.Id) : null, true, false, Math.Max(memberCount, 0));
    }

    // The line's bytes and its members' table in one array, the table just past the bytes (TopLevelMembers).
    private ResourceLine WithMembers(Verdict verdict, Framed framed, ReadOnlySpan<int> members)
    {
        var json = Bytes(framed);
        var tableStart = TopLevelMembers.TableStart(json.Length);
        var bytes = GC.AllocateUninitializedArray<byte>(tableStart + (4 * members.Length));
        json.CopyTo(bytes);
        bytes.AsSpan(json.Length, tableStart - json.Length).Clear();
        MemoryMarshal.AsBytes(members).CopyTo(bytes.AsSpan(tableStart));
        var memory = bytes.AsMemory(0, json.Length);
        return new ResourceLine(verdict.Type!, verdict.Id, memory, sourceName, framed.Number)
        {
            Members = new TopLevelMembers(memory, bytes.AsMemory(tableStart, 4 * members.Length)),
        };
    }

    // The line where it lies in the block, with its members' table where the judging wrote it; held until released.
    private ResourceLine Lent(Verdict verdict, Framed framed, int index)
    {
        var json = _chunk.AsMemory(framed.Offset, framed.Length);
        _block!.Hold();
        return new ResourceLine(verdict.Type!, verdict.Id, json, sourceName, framed.Number)
        {
            Members = verdict.Members > 0 ? new TopLevelMembers(json, _members.AsMemory(index * MemberBytes, 16 * verdict.Members)) : null,
            Block = _block,
        };
    }

    // Room for one line's members in the table of the buffer being judged (thread-safe: each line has its own).
    private Span<int> MembersOf(int index) => MemoryMarshal.Cast<byte, int>(_members.AsSpan(index * MemberBytes, MemberBytes));

    private byte[] EnsureOwnMembers(int length)
    {
        if (_ownMembers.Length < length)
        {
            _ownMembers = new byte[Math.Min(MaxMemberBytes, Math.Max(length, 2 * _ownMembers.Length))];
        }

        return _ownMembers;
    }

    private ReadOnlySpan<byte> Bytes(Framed line) => line.Copy ?? _chunk.AsSpan(line.Offset, line.Length);

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

    /// <summary>
    /// A non-blank line as framed: its text (its own copy, or where it lies in the read buffer), its number and how far
    /// into the raw line the text starts.
    /// </summary>
    private readonly record struct Framed(byte[]? Copy, int Offset, int Length, long Number, int TextOffset);

    /// <summary>
    /// A malformed line's problem, or a resource's interned type and id and whether it is handed out, or passed over
    /// at the consumer's word (<see cref="IResourceLineFilter"/>).
    /// </summary>
    private readonly record struct Verdict(string? Problem, string? Type, string? Id, bool Wanted, bool PassedOver, int Members);
}
