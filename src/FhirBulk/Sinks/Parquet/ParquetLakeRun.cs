using System.Text.Json;
using System.Text.Json.Serialization;
using FhirBulk.Storage;

namespace FhirBulk.Sinks.Parquet;

/// <summary>
/// The record one shard's run leaves in <c>_runs/&lt;run-id&gt;.json</c> once its parts are in place: the shard, what it
/// read and what it wrote. Its presence is what says the shard is complete.
/// </summary>
/// <param name="RunId">The run's id, also the record's file name: UTC time, the shard, and a random suffix.</param>
/// <param name="ShardIndex">The shard, 0-based.</param>
/// <param name="ShardCount">How many shards the run's input was split into.</param>
/// <param name="CompletedAt">When the parts were in place.</param>
/// <param name="PlanFingerprint">The <see cref="FhirBulk.Ndjson.NdjsonShardPlan.Fingerprint"/> of the split, or <see langword="null"/> for an input without a plan (a stream).</param>
/// <param name="UnitBytes">The plan's unit size, or <see langword="null"/>.</param>
/// <param name="Inputs">This shard's inputs.</param>
/// <param name="Views">What it wrote per view.</param>
public sealed record ParquetLakeRun(
    string RunId,
    int ShardIndex,
    int ShardCount,
    DateTimeOffset CompletedAt,
    string? PlanFingerprint,
    long? UnitBytes,
    IReadOnlyList<ParquetLakeInput> Inputs,
    IReadOnlyList<ParquetLakeView> Views)
{
    /// <summary>Reads a run record.</summary>
    /// <param name="path">The <c>_runs/*.json</c> file.</param>
    /// <returns>The record.</returns>
    /// <exception cref="JsonException">The file is not a run record.</exception>
    public static ParquetLakeRun Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, LakeJsonContext.Default.ParquetLakeRun)
            ?? throw new JsonException($"'{path}' holds null, not a run record.");
    }

    /// <summary>Reads a run record from a store.</summary>
    /// <param name="store">The lake.</param>
    /// <param name="name">The record's object name (<c>_runs/&lt;run-id&gt;.json</c>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record.</returns>
    /// <exception cref="JsonException">The object is not a run record.</exception>
    /// <exception cref="StorageException">The object could not be read.</exception>
    public static async ValueTask<ParquetLakeRun> ReadAsync(ObjectStore store, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        Stream stream = await store.OpenReadAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync(stream, LakeJsonContext.Default.ParquetLakeRun, cancellationToken).ConfigureAwait(false)
                ?? throw new JsonException($"'{store.Describe(name)}' holds null, not a run record.");
        }
    }

    internal byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, LakeJsonContext.Default.ParquetLakeRun);
}

/// <summary>One input unit a shard read (see <see cref="FhirBulk.Ndjson.NdjsonShardUnit"/>).</summary>
/// <param name="Path">The file as the run named it.</param>
/// <param name="Size">The file's size in bytes.</param>
/// <param name="Start">The unit's nominal first byte.</param>
/// <param name="Length">The unit's nominal length.</param>
/// <param name="Sha256">SHA-256 (hex) of those bytes.</param>
public sealed record ParquetLakeInput(string Path, long Size, long Start, long Length, string Sha256);

/// <summary>What a shard wrote for one view.</summary>
/// <param name="Name">The view (and its folder's name).</param>
/// <param name="Rows">Rows written, all parts together.</param>
/// <param name="Parts">The part files, in order.</param>
public sealed record ParquetLakeView(string Name, long Rows, IReadOnlyList<ParquetLakePart> Parts);

/// <summary>One part file.</summary>
/// <param name="Path">The part's object name, relative to the lake's folder or prefix, with <c>/</c> separators (<c>patients/part-00000-00000.parquet</c>).</param>
/// <param name="Rows">Its rows.</param>
/// <param name="Bytes">Its size.</param>
public sealed record ParquetLakePart(string Path, long Rows, long Bytes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ParquetLakeRun))]
internal sealed partial class LakeJsonContext : JsonSerializerContext;
