using System.Globalization;

namespace FhirBulk.Ndjson;

/// <summary>
/// Which share of the work one process does: shard <see cref="Index"/> of <see cref="Count"/>, written <c>K/N</c>
/// with a 0-based <c>K</c> (0 ≤ K &lt; N), as Kubernetes' <c>JOB_COMPLETION_INDEX</c> and a Slurm array declared
/// <c>--array=0-(N-1)</c> number their tasks, so either can be passed straight through.
/// </summary>
/// <param name="Index">This shard, from 0 to <paramref name="Count"/> − 1.</param>
/// <param name="Count">How many shards the work is split into, at least 1.</param>
public readonly record struct ShardSpec(int Index, int Count)
{
    /// <summary>The whole work in one shard: what a run without sharding does.</summary>
    public static ShardSpec Single => new(0, 1);

    /// <summary>Parses <c>K/N</c>.</summary>
    /// <param name="text">The shard, such as <c>0/4</c>.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="FormatException"><paramref name="text"/> is not <c>K/N</c> with 0 ≤ K &lt; N; the message says what is expected.</exception>
    public static ShardSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out ShardSpec shard)
            ? shard
            : throw new FormatException($"'{text}' is not a shard: expected K/N with 0 ≤ K < N (K counts from 0, like JOB_COMPLETION_INDEX), such as 0/4.");
    }

    /// <summary>Parses <c>K/N</c>, answering whether it is one.</summary>
    /// <param name="text">The shard, such as <c>0/4</c>.</param>
    /// <param name="shard">The shard, when the answer is <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="text"/> is <c>K/N</c> with 0 ≤ K &lt; N.</returns>
    public static bool TryParse(string? text, out ShardSpec shard)
    {
        shard = default;
        int slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0
            || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            || count < 1 || index >= count)
        {
            return false;
        }

        shard = new ShardSpec(index, count);
        return true;
    }

    /// <summary>The shard as <c>K/N</c>.</summary>
    /// <returns>The text <see cref="Parse"/> reads.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
