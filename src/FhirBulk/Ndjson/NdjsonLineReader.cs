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
/// never copied. <see cref="ReadBlocksAsync"/> copies none: each read goes into a block of its own from the
/// <see cref="LineBlockPool"/>, and the resources handed out lie in it, lent (<see cref="ResourceLine.Block"/>) until
/// their consumer releases them.
/// Resource type names repeat on every line, so they are interned: a file of a million Observations allocates the
/// string "Observation" once.
/// </para>
/// <para>
/// The lines of one read buffer are framed on the reading thread, then judged on up to
/// <see cref="NdjsonSourceOptions.MaxDegreeOfParallelism"/> threads, then handed out (or reported as malformed) in
/// order. Judging is most of a reader's work; on a type whose views pass over most lines (smoking status over every
/// Observation) it would otherwise leave the evaluating threads idle. <see cref="ReadBlocksAsync"/> instead hands out
/// each read buffer's lines framed but not yet judged (<see cref="ReadBlock"/>), for a consumer that judges and uses a
/// buffer's lines on one thread while this one reads the next.
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
/// <param name="lending">Where <see cref="ReadBlocksAsync"/> takes the blocks it reads into; <see cref="ReadAsync"/> copies each line handed out.</param>
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

    // The read buffer whose lines ReadAsync is framing and judging: Framed lines without a copy of their own lie in it.
    private byte[] _chunk = [];

    // A gzip cut met by ReadBlocksAsync, reported in reading order by the block that carries it rather than at once.
    private bool _deferCut;
    private Cut? _cut;

    // Copied on write, so that threads judging lines read it without a lock.
    private (byte[] Utf8, string Name)[] _typeNames = [];

    public async IAsyncEnumerable<ResourceLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
        _chunk = buffer;
        try
        {
            int read;
            while ((read = await ReadChunkAsync(stream, buffer, cancellationToken)) > 0)
            {
                Frame(buffer.AsSpan(0, read), _framed);
                Judge();
                foreach (var line in _ready)
                {
                    yield return line;
                }

                _ready.Clear();
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
            _chunk = [];
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads the stream into lent blocks of framed lines, not yet judged: each block's taker judges its lines on any
    /// thread (<see cref="ReadBlock.Judge"/>), then settles them in reading order (<see cref="ReadBlock.Settle"/>), which
    /// reports the malformed ones as <see cref="ReadAsync"/> would have. A gzip cut comes as a last block of no lines.
    /// </summary>
    /// <exception cref="InvalidOperationException">The reader was made without a <see cref="LineBlockPool"/>.</exception>
    public async IAsyncEnumerable<ReadBlock> ReadBlocksAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pool = lending ?? throw new InvalidOperationException("Blocks of lines are read only into lent buffers.");
        _deferCut = true;
        while (true)
        {
            var block = pool.Rent();
            var read = await ReadChunkAsync(stream, block.Buffer, cancellationToken);
            if (read == 0)
            {
                block.Release();
                break;
            }

            var framed = new List<Framed>();
            Frame(block.Buffer.AsSpan(0, read), framed);
            if (framed.Count == 0)
            {
                block.Release();
                continue;
            }

            // Sized here, before the block is handed on: the table of its lines' members is written where they are judged.
            var recording = topLevelMembers && (long)framed.Count * MemberBytes <= MaxMemberBytes;
            yield return new ReadBlock(this, block, framed, recording ? block.EnsureMembers(framed.Count * MemberBytes) : null, null);
        }

        if (_lines.TryReadFinalLine(out var last))
        {
            var block = pool.Rent();
            yield return new ReadBlock(this, block, [new Framed(last.ToArray(), 0, last.Length, _lines.LineNumber, _lines.TextOffset)], topLevelMembers ? block.EnsureMembers(MemberBytes) : null, null);
        }

        if (_cut is { } cut)
        {
            yield return new ReadBlock(this, pool.Rent(), [], null, cut);
        }
    }

    /// <summary>Reads the next chunk; 0 at the end, and at a cut in gzip data, which is reported where the lines stop.</summary>
    private async ValueTask<int> ReadChunkAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(buffer.AsMemory(0, options.BufferSize), cancellationToken);
        }
        catch (GzipEndOfStreamException ex)
        {
            // The unfinished last line is a piece of one, not a line to judge.
            _lines.DiscardPartialLine();
            var cut = new Cut(_lines.LineNumber + 1, ex.CompressedBytesRead, ex.Corruption);
            if (_deferCut)
            {
                _cut = cut;
            }
            else
            {
                Report(cut);
            }

            return 0;
        }
    }

    /// <exception cref="MalformedNdjsonException">The policy is <see cref="ErrorPolicy.Fail"/>.</exception>
    private void Reject(Framed line, string problem) => report.Reject(new MalformedLine(sourceName, line.Number, problem), options.MalformedLines);

    private void PassedOver(string resourceType) => lineFilter!.PassedOver(resourceType);

    private void Report(Cut cut) => report.RejectTruncatedGzip(sourceName, cut.LineNumber, cut.CompressedBytesRead, cut.Corruption, options.MalformedLines);

    private void Frame(ReadOnlySpan<byte> chunk, List<Framed> framed)
    {
        var data = chunk;
        while (_lines.TryReadLine(ref data, out var line))
        {
            // A line within this read is judged where it lies; one gathered from two reads lies in the splitter's
            // buffer, which the next line reuses, so it gets its own copy now.
            framed.Add(chunk.Overlaps(line, out var offset)
                ? new Framed(null, offset, line.Length, _lines.LineNumber, _lines.TextOffset)
                : new Framed(line.ToArray(), 0, line.Length, _lines.LineNumber, _lines.TextOffset));
        }
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

        var members = topLevelMembers && (long)count * MemberBytes <= MaxMemberBytes ? EnsureOwnMembers(count * MemberBytes) : null;
        if (count < MinLinesToShare || options.MaxDegreeOfParallelism == 1)
        {
            for (var i = 0; i < count; i++)
            {
                _verdicts[i] = Judge(Bytes(_framed[i], _chunk), _framed[i].TextOffset, MembersOf(members, i));
            }
        }
        else
        {
            Parallel.For(0, count, _parallel, i => _verdicts[i] = Judge(Bytes(_framed[i], _chunk), _framed[i].TextOffset, MembersOf(members, i)));
        }

        try
        {
            for (var i = 0; i < count; i++)
            {
                var (framed, verdict) = (_framed[i], _verdicts[i]);
                if (verdict.Problem is { } problem)
                {
                    Reject(framed, problem);
                }
                else if (verdict.Wanted)
                {
                    _ready.Add(Resource(verdict, framed, _chunk, null, members, i));
                }
                else if (verdict.PassedOver)
                {
                    PassedOver(verdict.Type!);
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
    /// One line's verdict: thread-safe, as it reads only the line, the options and the interned names, and the line lies
    /// in a buffer no one writes while it is judged.
    /// </summary>
    private Verdict Judge(ReadOnlySpan<byte> json, int textOffset, Span<int> members)
    {
        if (ResourceLineClassifier.Classify(json, textOffset, out var key, members, out var memberCount) is { } problem)
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

    /// <summary>
    /// The resource a wanted line is: lent where it lies in <paramref name="block"/>, with its members' table where the
    /// judging wrote it, and held until released; or, for a line with no block or one gathered from two reads, a copy.
    /// </summary>
    private ResourceLine Resource(Verdict verdict, Framed framed, byte[] buffer, LineBlock? block, byte[]? members, int index)
    {
        if (block is not null && framed.Copy is null)
        {
            var json = buffer.AsMemory(framed.Offset, framed.Length);
            block.Hold();
            return new ResourceLine(verdict.Type!, verdict.Id, json, sourceName, framed.Number)
            {
                Members = verdict.Members > 0 ? new TopLevelMembers(json, members.AsMemory(index * MemberBytes, 16 * verdict.Members)) : null,
                Block = block,
            };
        }

        return verdict.Members > 0
            ? WithMembers(verdict, framed, Bytes(framed, buffer), MembersOf(members, index)[..(4 * verdict.Members)])
            : new ResourceLine(verdict.Type!, verdict.Id, framed.Copy ?? Bytes(framed, buffer).ToArray(), sourceName, framed.Number);
    }

    // The line's bytes and its members' table in one array, the table just past the bytes (TopLevelMembers).
    private ResourceLine WithMembers(Verdict verdict, Framed framed, ReadOnlySpan<byte> json, ReadOnlySpan<int> members)
    {
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

    // Room for one line's members in a buffer's table (thread-safe: each line has its own); none without a table.
    private static Span<int> MembersOf(byte[]? members, int index) =>
        members is null ? default : MemoryMarshal.Cast<byte, int>(members.AsSpan(index * MemberBytes, MemberBytes));

    private byte[] EnsureOwnMembers(int length)
    {
        if (_ownMembers.Length < length)
        {
            _ownMembers = new byte[Math.Min(MaxMemberBytes, Math.Max(length, 2 * _ownMembers.Length))];
        }

        return _ownMembers;
    }

    private static ReadOnlySpan<byte> Bytes(Framed line, byte[] buffer) => line.Copy ?? buffer.AsSpan(line.Offset, line.Length);

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
    internal readonly record struct Framed(byte[]? Copy, int Offset, int Length, long Number, int TextOffset);

    /// <summary>
    /// A malformed line's problem, or a resource's interned type and id and whether it is handed out, or passed over
    /// at the consumer's word (<see cref="IResourceLineFilter"/>).
    /// </summary>
    internal readonly record struct Verdict(string? Problem, string? Type, string? Id, bool Wanted, bool PassedOver, int Members);

    /// <summary>Where a gzip file's data stops: the line number the cut falls on, and what the decompressor said.</summary>
    internal readonly record struct Cut(long LineNumber, long CompressedBytesRead, string? Corruption);

    /// <summary>
    /// One read buffer's lines as <see cref="ReadBlocksAsync"/> frames them: judged by whoever takes the block, on any
    /// one thread, then settled in reading order on the consumer's. Its hold on the buffer is released by the consumer
    /// once done with every line it handed out (each of which holds the buffer too, until released).
    /// </summary>
    internal sealed class ReadBlock
    {
        private readonly NdjsonLineReader _reader;
        private readonly LineBlock _block;
        private readonly List<Framed> _framed;
        private readonly byte[]? _members;
        private readonly Cut? _cut;
        private readonly List<ResourceLine> _resources = [];
        private Verdict[] _verdicts = [];

        internal ReadBlock(NdjsonLineReader reader, LineBlock block, List<Framed> framed, byte[]? members, Cut? cut)
        {
            _reader = reader;
            _block = block;
            _framed = framed;
            _members = members;
            _cut = cut;
        }

        /// <summary>The resources the block hands out, in reading order, once <see cref="Judge"/> has run.</summary>
        public IReadOnlyList<ResourceLine> Resources => _resources;

        /// <summary>Judges every line; the resources handed out are lent from the block.</summary>
        public void Judge()
        {
            _verdicts = new Verdict[_framed.Count];
            for (var i = 0; i < _framed.Count; i++)
            {
                var framed = _framed[i];
                var verdict = _verdicts[i] = _reader.Judge(Bytes(framed, _block.Buffer), framed.TextOffset, MembersOf(_members, i));
                if (verdict.Wanted)
                {
                    _resources.Add(_reader.Resource(verdict, framed, _block.Buffer, _block, _members, i));
                }
            }
        }

        /// <summary>
        /// Reports the malformed lines (and a gzip cut) and counts those passed over, in reading order: call for each
        /// block in the order read, after <see cref="Judge"/>.
        /// </summary>
        /// <exception cref="MalformedNdjsonException">A line is malformed and the policy is <see cref="ErrorPolicy.Fail"/>.</exception>
        /// <exception cref="TruncatedGzipException">The block carries a gzip cut and the policy is <see cref="ErrorPolicy.Fail"/>.</exception>
        public void Settle()
        {
            for (var i = 0; i < _framed.Count; i++)
            {
                var verdict = _verdicts[i];
                if (verdict.Problem is { } problem)
                {
                    _reader.Reject(_framed[i], problem);
                }
                else if (verdict.PassedOver)
                {
                    _reader.PassedOver(verdict.Type!);
                }
            }

            if (_cut is { } cut)
            {
                _reader.Report(cut);
            }
        }

        /// <summary>Releases the block's own hold on its buffer.</summary>
        public void Release() => _block.Release();
    }
}
