using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using FhirBulk.ExportFolder;
using FhirBulk.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Ndjson;

/// <summary>
/// FHIR resources from NDJSON: an export folder, a single (possibly mixed-type) file such as a
/// Synthea dump, the objects under a prefix of an object store (S3, Azure Blob), or a stream such as
/// stdin; gzip is detected by its magic bytes.
/// </summary>
/// <remarks>
/// Resources stream one at a time with memory independent of the input size. A folder or file
/// source can be read any number of times (re-processing with new views); a stream source once.
/// </remarks>
public sealed class NdjsonSource
{
    // error/ and deleted/ hold no resources to build tables from, and history/ holds earlier exports.
    private static readonly string[] NotInputFolders = [ExportFolderLayout.ErrorFolderName, ExportFolderLayout.DeletedFolderName, ExportFolderLayout.HistoryFolderName];

    private readonly Stream? _stream;
    private readonly ObjectStore? _store;
    private readonly NdjsonSourceOptions _options;
    private readonly IReadOnlyList<NdjsonShardUnit>? _units;
    private readonly Action<NdjsonShardUnit, string>? _onUnitRead;
    private long _bytesRead;
    private int _streamTaken;

    private NdjsonSource(IReadOnlyList<NdjsonFile> files, Stream? stream, NdjsonSourceOptions? options, ObjectStore? store = null)
    {
        Files = files;
        _stream = stream;
        _store = store;
        _options = (options ?? new NdjsonSourceOptions()).Validated();
        MalformedLines = new MalformedLineReport(_options.MaxReportedMalformedLines);
    }

    private NdjsonSource(NdjsonSource planned, IReadOnlyList<NdjsonShardUnit> units, Action<NdjsonShardUnit, string> onUnitRead)
        : this([.. units.Select(u => u.File).Distinct()], null, planned._options, planned._store)
    {
        _units = units;
        _onUnitRead = onUnitRead;
    }

    /// <summary>The inputs, in reading order.</summary>
    public IReadOnlyList<NdjsonFile> Files { get; }

    /// <summary>
    /// Whether the source can be read more than once: files and folders can, a stream cannot.
    /// Flatten-everything tables need two passes.
    /// </summary>
    public bool IsRepeatable => _stream is null;

    /// <summary>The inputs' total size on disk (of a shard's units, for a shard's source), or <see langword="null"/> for a stream.</summary>
    public long? TotalBytes =>
        _units is not null ? _units.Sum(u => u.Length)
        : Files.All(f => f.Length is not null) ? Files.Sum(f => f.Length!.Value)
        : null;

    /// <summary>
    /// Bytes of the input done by the current or latest read, for progress against
    /// <see cref="TotalBytes"/>: read from disk (compressed, when gzip), or skipped whole by a type filter.
    /// </summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>The malformed lines skipped by the current or latest read.</summary>
    public MalformedLineReport MalformedLines { get; private set; }

    /// <summary>Reads an export folder's <c>*.ndjson</c> and <c>*.ndjson.gz</c> files.</summary>
    /// <param name="folder">The folder; <c>log.ndjson</c>, <c>manifest.json</c> and subfolders (<c>error/</c>, <c>deleted/</c>) are ignored.</param>
    /// <param name="options">How to read; <see langword="null"/> for the defaults.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ExportFolderException">
    /// The folder is a file, or holds a fhir-bulk export that did not complete (an interrupted one: the message gives the
    /// resume command), or an unreadable export state. A folder of NDJSON without an export state is read as it is.
    /// </exception>
    public static NdjsonSource FromFolder(string folder, NdjsonSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var files = ExportFolderLayout.ListNdjson(folder);
        ExportState.Load(folder)?.EnsureCompleted(folder);
        return new NdjsonSource(files, null, options);
    }

    /// <summary>
    /// Reads the <c>*.ndjson</c> and <c>*.ndjson.gz</c> objects directly under <paramref name="store"/>'s location
    /// (<c>s3://bucket/export/</c>, <c>az://container/export/</c>), as <see cref="FromFolder"/> reads a folder: each object
    /// is streamed from the store (a shard's byte range with one ranged read from its offset), never copied to disk.
    /// </summary>
    /// <param name="store">The store; it must stay undisposed while the source is read.</param>
    /// <param name="options">How to read; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The source, repeatable like a folder's; error messages name objects by their URLs.</returns>
    /// <exception cref="StorageException">The listing failed (a missing bucket or container, no permission), or nothing is under the prefix.</exception>
    /// <exception cref="ExportFolderException">The prefix holds a fhir-bulk export that did not complete, as <see cref="FromFolder"/>.</exception>
    public static async Task<NdjsonSource> FromStoreAsync(ObjectStore store, NdjsonSourceOptions? options = null, CancellationToken cancellationToken = default) =>
        (await ListStoreAsync(store, options, cancellationToken).ConfigureAwait(false)).Source;

    /// <summary>
    /// Reads the objects at <paramref name="store"/>'s location as <see cref="FromStoreAsync"/> does, and refuses a location
    /// that holds no NDJSON as <see cref="Open"/> refuses such a folder: what a command line <c>--input s3://…</c> means.
    /// </summary>
    /// <param name="store">The store; it must stay undisposed while the source is read.</param>
    /// <param name="options">How to read; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The source, holding at least one object.</returns>
    /// <exception cref="StorageException">The listing failed, or nothing is under the prefix.</exception>
    /// <exception cref="ExportFolderException">The prefix holds a fhir-bulk export that did not complete.</exception>
    /// <exception cref="InvalidInputException">
    /// Objects are there but none is a <c>&lt;Type&gt;.*.ndjson</c> directly under the prefix: tables of nothing would read as
    /// data that has none (the message names the sub-prefixes that do hold NDJSON, the usual slip being one level off).
    /// </exception>
    public static async Task<NdjsonSource> OpenAsync(ObjectStore store, NdjsonSourceOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (source, below) = await ListStoreAsync(store, options, cancellationToken).ConfigureAwait(false);
        if (source.Files.Count == 0)
        {
            var location = store.Location.ToString().TrimEnd('/');
            throw new InvalidInputException($"{store.Location} holds no <Type>.*.ndjson objects{NdjsonBelowHint(below, name => $"{location}/{name}/")}: there are no resources to read.");
        }

        return source;
    }

    private static async Task<(NdjsonSource Source, IReadOnlyList<string> Below)> ListStoreAsync(ObjectStore store, NdjsonSourceOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var files = new List<NdjsonFile>();
        var below = new SortedSet<string>(StringComparer.Ordinal);
        var any = false;
        await foreach (var stored in store.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            any = true;
            // As in a folder: error/ and deleted/ are below it, and log.ndjson and the state are no resources.
            var slash = stored.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 && ExportFolderLayout.IsNdjson(stored.Name))
            {
                files.Add(new NdjsonFile(stored.Name, ExportFolderLayout.TypeFromName(stored.Name), stored.Size));
            }
            else if (slash > 0 && stored.Name.IndexOf('/', slash + 1) < 0 && ExportFolderLayout.IsNdjson(stored.Name[(slash + 1)..])
                && !NotInputFolders.Contains(stored.Name[..slash], StringComparer.Ordinal))
            {
                below.Add(stored.Name[..slash]);
            }
        }

        if (any)
        {
            // Read rather than looked for in the listing: a local store's listing leaves out dot files such as the state.
            var state = await new StoreExportTarget(store, NullLogger.Instance, TimeProvider.System).LoadStateAsync(cancellationToken).ConfigureAwait(false);
            state?.EnsureCompleted(store.Location.ToString(), store.S3Endpoint);
        }

        // A store has no folders: nothing at all under the prefix is what a missing folder is (most often a typo), where
        // objects of other kinds are an export that holds no NDJSON, which reads as empty like an empty folder.
        return any
            ? (new NdjsonSource(ExportFolderLayout.InReadingOrder(files), null, options, store), [.. below])
            : throw new StorageException(store.Location.ToString(), $"nothing at {store.Location}: no objects under this prefix", HttpStatusCode.NotFound, "NoObjects");
    }

    /// <summary>The hint naming where the NDJSON is when the location given holds none of its own.</summary>
    private static string NdjsonBelowHint(IReadOnlyList<string> below, Func<string, string> display) => below.Count switch
    {
        0 => "",
        1 => $" (its subfolder {display(below[0])} does: give that)",
        _ => $" (its subfolders {string.Join(", ", below.Select(display))} do: give one of them)",
    };

    /// <summary>A source reading only <paramref name="units"/>, in the order given: one shard's share of this one (see <see cref="NdjsonShardPlan"/>).</summary>
    /// <param name="units">The units.</param>
    /// <param name="onUnitRead">Given each unit read through and the SHA-256 (hex) of its bytes as stored (see <see cref="UnitDigest"/>).</param>
    internal NdjsonSource Restricted(IReadOnlyList<NdjsonShardUnit> units, Action<NdjsonShardUnit, string> onUnitRead) => new(this, units, onUnitRead);

    /// <summary>Reads the given objects of <paramref name="store"/> (names relative to its location), in the order given.</summary>
    internal static NdjsonSource FromStoreObjects(ObjectStore store, IReadOnlyList<NdjsonFile> objects) => new(objects, null, null, store);

    /// <summary>Reads the given files, in the order given.</summary>
    internal static NdjsonSource FromFiles(IReadOnlyList<NdjsonFile> files, NdjsonSourceOptions? options = null) => new(files, null, options);

    /// <summary>Reads one NDJSON file, which may hold resources of many types.</summary>
    /// <param name="path">The file; gzip-compressed or not.</param>
    /// <param name="options">How to read; <see langword="null"/> for the defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static NdjsonSource FromFile(string path, NdjsonSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"NDJSON file '{path}' does not exist.", path);
        }

        return new NdjsonSource([NdjsonFile.At(path)], null, options);
    }

    /// <summary>Reads NDJSON from a stream, such as stdin. The stream can be read once and is not disposed.</summary>
    /// <param name="stream">The stream; gzip-compressed or not.</param>
    /// <param name="name">The name error messages use for it.</param>
    /// <param name="options">How to read; <see langword="null"/> for the defaults.</param>
    /// <returns>The source, which can be read once.</returns>
    public static NdjsonSource FromStream(Stream stream, string name = "stdin", NdjsonSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new NdjsonSource([new NdjsonFile(name, null, null)], stream, options);
    }

    /// <summary>
    /// Reads <paramref name="path"/> as a folder when it is one, and as a file otherwise: what a command line
    /// <c>--input</c> means. The process's stdin is the caller's to open: read it with <see cref="FromStream"/>.
    /// </summary>
    /// <param name="path">A folder or a file.</param>
    /// <param name="options">How to read; <see langword="null"/> for the defaults.</param>
    /// <returns>The source.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is <c>-</c>, which names stdin, not a file.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> is neither a folder nor a file.</exception>
    /// <exception cref="ExportFolderException">The folder holds an export that did not complete (see <see cref="FromFolder"/>).</exception>
    /// <exception cref="InvalidInputException">
    /// The folder holds no <c>&lt;Type&gt;.*.ndjson</c> files: tables of nothing would read as data that has none, and such
    /// a path is most often one level off (the message names the subfolders that do hold NDJSON).
    /// </exception>
    public static NdjsonSource Open(string path, NdjsonSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path == "-")
        {
            throw new ArgumentException("'-' names stdin, which a library does not open: pass the stream to FromStream.", nameof(path));
        }

        if (!Directory.Exists(path))
        {
            return File.Exists(path)
                ? FromFile(path, options)
                : throw new FileNotFoundException($"'{path}' does not exist: give an export folder or an NDJSON file (.ndjson or .ndjson.gz).", path);
        }

        var source = FromFolder(path, options);
        if (source.Files.Count == 0)
        {
            throw new InvalidInputException($"{path} holds no <Type>.*.ndjson files{SubfolderHint(path)}: there are no resources to read.");
        }

        return source;
    }

    /// <summary>
    /// For a folder that holds no NDJSON of its own, the hint naming its subfolders that do (<c> (its subfolders group/,
    /// patient/ do: give one of them)</c>, with a leading blank), or an empty string when none does: such a path is most
    /// often one level off, an export's parent folder (<c>fhir-bulk demo</c>'s <c>export/</c>).
    /// </summary>
    /// <param name="folder">The folder; <c>error/</c>, <c>deleted/</c> and <c>history/</c> are not input and never named.</param>
    public static string SubfolderHint(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var below = Directory.EnumerateDirectories(folder).Select(Path.GetFileName).OfType<string>()
            .Where(name => !NotInputFolders.Contains(name, StringComparer.Ordinal) && ExportFolderLayout.ListNdjson(Path.Combine(folder, name)).Count > 0)
            .Order(StringComparer.Ordinal).ToList();
        return NdjsonBelowHint(below, name => name + "/");
    }

    /// <summary>Streams the resources, in file order then line order.</summary>
    /// <param name="resourceTypes">Only these types, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>
    /// The resources (see <see cref="ResourceLine"/> for what a resource line is); malformed lines are skipped into
    /// <see cref="MalformedLines"/> or thrown, per the options. A gzip file cut short yields the lines before the cut,
    /// and the cut is reported, at the line where the data stops, as one more malformed line.
    /// </returns>
    /// <exception cref="MalformedNdjsonException">A line is malformed and the policy is <see cref="ErrorPolicy.Fail"/>.</exception>
    /// <exception cref="TruncatedGzipException">A gzip file ends without its trailer (RFC 1952 §2.3.1) and the policy is <see cref="ErrorPolicy.Fail"/>.</exception>
    /// <exception cref="InvalidOperationException">A stream source is read a second time.</exception>
    public IAsyncEnumerable<ResourceLine> ReadAsync(IEnumerable<string>? resourceTypes = null, CancellationToken cancellationToken = default) =>
        ReadAsync(resourceTypes, null, cancellationToken);

    /// <summary>
    /// Streams the resources as <see cref="ReadAsync(IEnumerable{string}?, CancellationToken)"/> does, except those
    /// <paramref name="lineFilter"/> turns down, which are judged like every line but counted through it instead of
    /// handed out; with <paramref name="topLevelMembers"/>, each carries where its top-level members lie
    /// (<see cref="ResourceLine.Members"/>).
    /// </summary>
    internal IAsyncEnumerable<ResourceLine> ReadAsync(
        IEnumerable<string>? resourceTypes, IResourceLineFilter? lineFilter, CancellationToken cancellationToken, bool topLevelMembers = false) =>
        Read(resourceTypes, lineFilter, topLevelMembers, lendLines: false, static (reader, stream, token) => reader.ReadAsync(stream, token), cancellationToken);

    /// <summary>
    /// Streams the resources as <see cref="ReadAsync(IEnumerable{string}?, IResourceLineFilter?, CancellationToken, bool)"/>
    /// does, but one read buffer at a time, its lines framed and not yet judged and its resources lent where they lie in
    /// the buffer (<see cref="ResourceLine.Block"/>) rather than copied: the caller judges each
    /// block's lines on any thread (<see cref="NdjsonLineReader.ReadBlock.Judge"/>), settles the blocks in the order read
    /// (<see cref="NdjsonLineReader.ReadBlock.Settle"/>, which reports malformed lines and may throw as a read would), and
    /// releases each block and each resource once done with its bytes.
    /// </summary>
    internal IAsyncEnumerable<NdjsonLineReader.ReadBlock> ReadBlocksAsync(
        IEnumerable<string>? resourceTypes, IResourceLineFilter? lineFilter, CancellationToken cancellationToken, bool topLevelMembers = false) =>
        Read(resourceTypes, lineFilter, topLevelMembers, lendLines: true, static (reader, stream, token) => reader.ReadBlocksAsync(stream, token), cancellationToken);

    private IAsyncEnumerable<T> Read<T>(
        IEnumerable<string>? resourceTypes,
        IResourceLineFilter? lineFilter,
        bool topLevelMembers,
        bool lendLines,
        Func<NdjsonLineReader, Stream, CancellationToken, IAsyncEnumerable<T>> read,
        CancellationToken cancellationToken)
    {
        IReadOnlySet<string>? filter = resourceTypes is null ? null : resourceTypes.ToHashSet(StringComparer.Ordinal);
        if (_stream is not null && Interlocked.Exchange(ref _streamTaken, 1) == 1)
        {
            throw new InvalidOperationException($"The NDJSON stream '{Files[0].Name}' has already been read.");
        }

        MalformedLines = new MalformedLineReport(_options.MaxReportedMalformedLines);
        Interlocked.Exchange(ref _bytesRead, 0);
        return ReadCoreAsync(filter, lineFilter, topLevelMembers, lendLines ? new LineBlockPool(_options.BufferSize) : null, MalformedLines, read, cancellationToken);
    }

    private async IAsyncEnumerable<T> ReadCoreAsync<T>(
        IReadOnlySet<string>? filter,
        IResourceLineFilter? lineFilter,
        bool topLevelMembers,
        LineBlockPool? lending,
        MalformedLineReport report,
        Func<NdjsonLineReader, Stream, CancellationToken, IAsyncEnumerable<T>> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (NdjsonShardUnit unit in _units ?? [.. Files.Select(f => new NdjsonShardUnit(f, 0, f.Length ?? 0, 0))])
        {
            NdjsonFile file = unit.File;
            if (filter is not null && file.ResourceType is { } type && !filter.Contains(type))
            {
                // Skipped is done: progress against TotalBytes still reaches the end.
                Interlocked.Add(ref _bytesRead, unit.Length);
                if (_onUnitRead is not null)
                {
                    // A plan made without these types still lists the unit in its shard's run record, hashed from its
                    // bytes as a read would have; a plan made for the views' types (as the CLI makes it) skips nothing.
                    using var skipped = new UnitDigest(unit);
                    await using Stream stored = new ObservingStream(await OpenAsync(file, unit.Start, cancellationToken).ConfigureAwait(false), skipped.Observe, leaveOpen: false);
                    _onUnitRead(unit, await skipped.FinishAsync(stored, Describe(file), cancellationToken).ConfigureAwait(false));
                }

                continue;
            }

            // A range of a file is plain NDJSON (the plan splits no gzip file); its lines are numbered from the range's first one.
            bool isRange = _units is not null && !unit.IsWholeFile;
            string shown = Describe(file);
            string name = isRange ? string.Create(CultureInfo.InvariantCulture, $"{shown}@{unit.Start}") : shown;
            Stream raw = _stream ?? await OpenAsync(file, isRange ? unit.Start : 0, cancellationToken).ConfigureAwait(false);
            // A planned unit's hash is taken from this read, below the line range and gzip: the bytes as stored, read once.
            using UnitDigest? digest = _onUnitRead is null ? null : new UnitDigest(unit);
            Stream? hashed = null;
            if (digest is not null)
            {
                raw = hashed = new ObservingStream(raw, digest.Observe, leaveOpen: false);
            }

            if (isRange)
            {
                raw = new LineRangeStream(raw, unit.Start, unit.Start + unit.Length);
            }

            await using Stream counted = new ObservingStream(raw, bytes => Interlocked.Add(ref _bytesRead, bytes.Length), leaveOpen: _stream is not null);
            await using Stream decoded = isRange ? counted : await GzipDetection.OpenAsync(counted, name, cancellationToken);
            var reader = new NdjsonLineReader(name, _options, report, filter, file.ResourceType, lineFilter, topLevelMembers, lending);
            await foreach (T item in read(reader, decoded, cancellationToken))
            {
                yield return item;
            }

            if (digest is not null)
            {
                _onUnitRead!(unit, await digest.FinishAsync(hashed!, name, cancellationToken).ConfigureAwait(false));
            }
        }
    }

    /// <summary>Whether <paramref name="file"/> holds gzip, by its first two bytes (a plan splits only plain NDJSON).</summary>
    internal bool IsGzip(NdjsonFile file)
    {
        // Planning is synchronous; an object's two bytes are one small ranged read, run off any caller's context.
        return Task.Run(async () =>
        {
            var head = new byte[2];
            await using var stream = await OpenAsync(file, 0, CancellationToken.None).ConfigureAwait(false);
            return await stream.ReadAtLeastAsync(head, 2, throwOnEndOfStream: false).ConfigureAwait(false) == 2 && GzipDetection.IsMagic(head);
        }).GetAwaiter().GetResult();
    }

    /// <summary>How messages and records name <paramref name="file"/>: its path, or its URL in a store.</summary>
    internal string Describe(NdjsonFile file) => _store?.Describe(file.Name) ?? file.Name;

    /// <summary>The bytes of <paramref name="file"/> from <paramref name="offset"/> on, from disk or from the store, raw (gzip not undone).</summary>
    internal async Task<Stream> OpenAsync(NdjsonFile file, long offset, CancellationToken cancellationToken)
    {
        if (_store is not null)
        {
            return await _store.OpenReadAsync(file.Name, offset, cancellationToken).ConfigureAwait(false);
        }

        var stream = new FileStream(file.Name, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            // The pipe above does the buffering; a second buffer here would only copy.
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        // A named pipe (or a device) cannot seek; only a shard's range, never of such a file, starts past byte 0.
        if (offset > 0)
        {
            stream.Seek(offset, SeekOrigin.Begin);
        }

        return stream;
    }
}
