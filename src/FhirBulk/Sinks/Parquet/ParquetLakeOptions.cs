using FhirBulk.Ndjson;
using FhirBulk.Sinks.DuckDb;

namespace FhirBulk.Sinks.Parquet;

/// <summary>How a <see cref="ParquetLakeSink"/> writes its parts.</summary>
public sealed class ParquetLakeOptions
{
    /// <summary>The shard this run is; it writes and replaces only its own parts.</summary>
    /// <value>The default value is <see cref="ShardSpec.Single"/> (0/1): the whole work in one run.</value>
    public ShardSpec Shard { get; set; } = ShardSpec.Single;

    /// <summary>
    /// The plan the input was split by, so that the run record lists this shard's inputs (with their SHA-256) and the
    /// plan's fingerprint; <see langword="null"/> for an input that has no plan (a stream), which records no inputs. The
    /// views must read the plan's <see cref="NdjsonShardPlan.SourceFor"/> source: the hashes come from that read, so an
    /// input in an object store is downloaded once.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public NdjsonShardPlan? Plan { get; set; }

    /// <summary>Rows per Parquet row group: DuckDB's <c>ROW_GROUP_SIZE</c>.</summary>
    /// <value>The default value is <see cref="ParquetLakeDefaults.RowGroupSize"/>.</value>
    public int RowGroupSize { get; set; } = ParquetLakeDefaults.RowGroupSize;

    /// <summary>Rows per part file: a part that reaches it is finished and the next one started, so a shard over a huge input writes several parts of bounded size.</summary>
    /// <value>The default value is <see cref="ParquetLakeDefaults.RowsPerPart"/>.</value>
    public long RowsPerPart { get; set; } = ParquetLakeDefaults.RowsPerPart;

    /// <summary>The Parquet compression codec: <c>zstd</c>, <c>snappy</c>, <c>gzip</c> or <c>uncompressed</c>.</summary>
    /// <value>The default value is <see cref="ParquetLakeDefaults.Compression"/>.</value>
    public string Compression { get; set; } = ParquetLakeDefaults.Compression;

    /// <summary>How to run the scratch DuckDB that stages each part; <see langword="null"/> for the defaults.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public DuckDbSinkOptions? DuckDb { get; set; }

    /// <summary>The clock the run record's time and id come from.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal ParquetLakeOptions Validated()
    {
        if (Shard.Count < 1 || Shard.Index < 0 || Shard.Index >= Shard.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(Shard), Shard, "A shard is K/N with 0 ≤ K < N.");
        }

        if (Plan is not null && Plan.ShardCount != Shard.Count)
        {
            throw new ArgumentException($"The plan splits the input into {Plan.ShardCount} shards but this run is shard {Shard}.", nameof(Plan));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(RowGroupSize, 1, nameof(RowGroupSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(RowsPerPart, 1, nameof(RowsPerPart));
        if (!ParquetLakeDefaults.Compressions.Contains(Compression))
        {
            throw new ArgumentException($"Unknown Parquet compression '{Compression}': use one of {string.Join(", ", ParquetLakeDefaults.Compressions)}.", nameof(Compression));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        return new ParquetLakeOptions
        {
            Shard = Shard,
            Plan = Plan,
            RowGroupSize = RowGroupSize,
            RowsPerPart = RowsPerPart,
            Compression = Compression,
            DuckDb = DuckDb?.Copy(),
            TimeProvider = TimeProvider,
        };
    }
}

/// <summary>Defaults of <see cref="ParquetLakeOptions"/>.</summary>
public static class ParquetLakeDefaults
{
    /// <summary>DuckDB's own default row group: large enough for column statistics to skip well, small enough to stream.</summary>
    public const int RowGroupSize = 122_880;

    /// <summary>Tens of MB of Parquet for views of a few columns: files engines read in parallel, without a small-file problem, and one part's staging stays small.</summary>
    public const long RowsPerPart = 1_000_000;

    /// <summary>zstd: smaller than snappy at about its speed, and read by Spark, Trino, Athena, DuckDB and pandas alike.</summary>
    public const string Compression = "zstd";

    /// <summary>The codecs every common Parquet reader understands.</summary>
    public static readonly IReadOnlyList<string> Compressions = ["zstd", "snappy", "gzip", "uncompressed"];
}
