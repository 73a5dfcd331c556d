using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FhirBulk.Ndjson;

/// <summary>
/// Splits the files of a source among N shards, the same way on every machine: whole files, and large uncompressed
/// files cut into byte ranges at line boundaries (see <see cref="NdjsonShardUnit"/>), so that N processes, each reading
/// only its own share, read every resource exactly once between them.
/// </summary>
/// <remarks>
/// <para>
/// The plan depends only on the files' names, sizes and whether they are gzip (their first two bytes), in the
/// source's order (by type, then name, ordinal): never on the machine, the clock or the number of cores. A file larger
/// than the unit size is cut into equal ranges no larger than it; gzip cannot be entered mid-stream, so a gzip file is
/// one unit whatever its size. Units are handed out largest first, each to the shard with the fewest bytes so far
/// (the lowest index on a tie), which keeps every shard within one unit of a fair share.
/// </para>
/// <para>A shard reads its units in the source's order (file, then offset), so its rows come in input order.</para>
/// </remarks>
public sealed class NdjsonShardPlan
{
    private readonly NdjsonSource _source;
    private readonly ConcurrentDictionary<NdjsonShardUnit, string> _sha256 = new();

    private NdjsonShardPlan(NdjsonSource source, int shardCount, long unitBytes, IReadOnlyList<NdjsonShardUnit> units)
    {
        _source = source;
        ShardCount = shardCount;
        UnitBytes = unitBytes;
        Units = units;
        Fingerprint = FingerprintOf(shardCount, unitBytes, units);
    }

    /// <summary>How many shards the work is split into.</summary>
    public int ShardCount { get; }

    /// <summary>The largest range a file is cut into.</summary>
    public long UnitBytes { get; }

    /// <summary>Every unit of every shard, in reading order (file, then offset).</summary>
    public IReadOnlyList<NdjsonShardUnit> Units { get; }

    /// <summary>
    /// A SHA-256 (hex) of the plan: the files' names (without their folder) and sizes, the unit size and the shard count.
    /// Shards whose fingerprints differ did not split the same input the same way.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>Plans how <paramref name="source"/> is split among <paramref name="shardCount"/> shards.</summary>
    /// <param name="source">A folder or file source (not a stream).</param>
    /// <param name="shardCount">How many shards, at least 1.</param>
    /// <param name="unitBytes">The largest range a file is cut into, at least 1; see <see cref="NdjsonDefaults.ShardUnitBytes"/>.</param>
    /// <param name="resourceTypes">
    /// Only the files whose name announces one of these types (and the mixed-type files), or <see langword="null"/> for
    /// all: files no view reads would otherwise count towards a shard's share while it skips them.
    /// </param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is a stream, which cannot be split.</exception>
    /// <exception cref="IOException">A file to be split could not be opened to see whether it is gzip.</exception>
    public static NdjsonShardPlan Create(NdjsonSource source, int shardCount, long unitBytes = NdjsonDefaults.ShardUnitBytes, IEnumerable<string>? resourceTypes = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(unitBytes, 1);
        if (!source.IsRepeatable)
        {
            throw new ArgumentException($"'{source.Files[0].Name}' is a stream, which cannot be split into shards; save it to a file first.", nameof(source));
        }

        HashSet<string>? wanted = resourceTypes?.ToHashSet(StringComparer.Ordinal);
        var units = new List<NdjsonShardUnit>();
        foreach (NdjsonFile file in source.Files)
        {
            if (wanted is not null && file.ResourceType is { } type && !wanted.Contains(type))
            {
                continue;
            }

            long size = file.Length!.Value;
            long pieces = size <= unitBytes || source.IsGzip(file) ? 1 : (size + unitBytes - 1) / unitBytes;
            for (long i = 0; i < pieces; i++)
            {
                long start = Boundary(size, i, pieces);
                units.Add(new NdjsonShardUnit(file, start, Boundary(size, i + 1, pieces) - start, 0));
            }
        }

        return new NdjsonShardPlan(source, shardCount, unitBytes, Assign(units, shardCount));
    }

    /// <summary>The units of shard <paramref name="shard"/>, in reading order.</summary>
    /// <param name="shard">The shard, 0-based.</param>
    /// <returns>Its units; none when there are fewer units than shards.</returns>
    public IReadOnlyList<NdjsonShardUnit> UnitsOf(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, ShardCount);
        return [.. Units.Where(u => u.Shard == shard)];
    }

    /// <summary>A source that reads only shard <paramref name="shard"/>'s units, with the options of the planned source.</summary>
    /// <param name="shard">The shard, 0-based.</param>
    /// <returns>
    /// The source; it can be read any number of times. Reading it hashes each unit's bytes as stored, which is where a
    /// lake's run record takes them from (<see cref="Sinks.Parquet.ParquetLakeOptions.Plan"/>).
    /// </returns>
    public NdjsonSource SourceFor(int shard) => _source.Restricted(UnitsOf(shard), (unit, sha256) => _sha256[unit] = sha256);

    /// <summary>
    /// The SHA-256 (hex) of <paramref name="unit"/>'s bytes as stored (its nominal range; a gzip file compressed), from
    /// the latest read of a <see cref="SourceFor"/> source that went through it; <see langword="null"/> before any did.
    /// </summary>
    internal string? Sha256Of(NdjsonShardUnit unit) => _sha256.GetValueOrDefault(unit);

    /// <summary>How records name <paramref name="unit"/>'s file: its path, or its URL in a store.</summary>
    internal string Describe(NdjsonShardUnit unit) => _source.Describe(unit.File);

    private static long Boundary(long size, long i, long pieces) => (long)((Int128)size * i / pieces);

    private static List<NdjsonShardUnit> Assign(List<NdjsonShardUnit> units, int shardCount)
    {
        // Largest first (ties in reading order), each to the least loaded shard: the greedy rule for fair shares.
        var loads = new long[shardCount];
        var shardOf = new int[units.Count];
        foreach (int i in Enumerable.Range(0, units.Count).OrderByDescending(i => units[i].Length).ThenBy(i => i))
        {
            int least = 0;
            for (int s = 1; s < shardCount; s++)
            {
                if (loads[s] < loads[least])
                {
                    least = s;
                }
            }

            shardOf[i] = least;
            loads[least] += units[i].Length;
        }

        return [.. units.Select((u, i) => u with { Shard = shardOf[i] })];
    }

    private static string FingerprintOf(int shardCount, long unitBytes, IReadOnlyList<NdjsonShardUnit> units)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"shards={shardCount}\nunit={unitBytes}\n");
        foreach (NdjsonShardUnit unit in units)
        {
            // The folder differs between machines; the name within it does not.
            text.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(unit.File.Name)}\t{unit.File.Length}\t{unit.Start}\t{unit.Length}\t{unit.Shard}\n");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
