namespace FhirBulk.Server.Data.Generation;

/// <summary>
/// SplitMix64: a tiny generator whose output is fixed by its algorithm, unlike <see cref="Random"/>,
/// whose seeded sequence is only compatible by convention. Byte-identical output for a seed depends on it.
/// </summary>
internal sealed class DeterministicRandom(ulong state)
{
    private ulong _state = state;

    public static DeterministicRandom For(int seed, string stream, long index) =>
        new(Mix(Mix((ulong)(uint)seed ^ StableHash(stream)) ^ (ulong)index));

    public static ulong StableHash(string value)
    {
        // FNV-1a: string.GetHashCode is randomised per process.
        var hash = 14695981039346656037UL;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [min, max).</summary>
    public int Next(int min, int max) => min + (int)(NextUInt64() % (ulong)(max - min));

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];

    /// <summary>A normally distributed value (Box–Muller), clamped to keep vitals plausible.</summary>
    public double Normal(double mean, double deviation, double min, double max)
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return Math.Clamp(mean + (z * deviation), min, max);
    }

    /// <summary>Poisson-distributed count (Knuth), for event counts per year.</summary>
    public int Poisson(double lambda)
    {
        var limit = Math.Exp(-lambda);
        var product = NextDouble();
        var count = 0;
        while (product > limit)
        {
            count++;
            product *= NextDouble();
        }

        return count;
    }

    /// <summary>A version-4-shaped UUID string drawn from this stream.</summary>
    public string NextUuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, NextUInt64());
        BitConverter.TryWriteBytes(bytes[8..], NextUInt64());
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return string.Create(36, bytes.ToArray(), static (chars, b) =>
        {
            var position = 0;
            for (var i = 0; i < 16; i++)
            {
                if (i is 4 or 6 or 8 or 10)
                {
                    chars[position++] = '-';
                }

                chars[position++] = "0123456789abcdef"[b[i] >> 4];
                chars[position++] = "0123456789abcdef"[b[i] & 0xF];
            }
        });
    }
}
