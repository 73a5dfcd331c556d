namespace FhirBulk.Ndjson;

/// <summary>
/// The CRC-32 (the gzip one, RFC 1952 §8) of the end of some data, from the CRC-32 of the whole and of the part
/// before it: zlib's <c>crc32_combine</c> run backwards. crc(AB) = crc(A)·x^(8|B|) ⊕ crc(B) modulo the CRC polynomial,
/// so crc(B) = crc(AB) ⊕ crc(A)·x^(8|B|).
/// </summary>
internal static class Crc32Suffix
{
    // The CRC-32 polynomial, bit-reversed as gzip's CRC-32 is computed: the low bit is the highest power.
    private const uint Polynomial = 0xEDB88320;

    // x^(2^k) modulo the polynomial for k = 0..31; x^1 is the bit below the top one in reversed order.
    private static readonly uint[] PowersOfTwoPowers = CreatePowers();

    /// <summary>The CRC-32 of the last <paramref name="suffixLength"/> bytes of data whose CRC-32 is <paramref name="wholeCrc"/>, the bytes before them having <paramref name="prefixCrc"/>.</summary>
    public static uint Of(uint prefixCrc, uint wholeCrc, long suffixLength) =>
        wholeCrc ^ Multiply(XToThe8N(suffixLength), prefixCrc);

    /// <summary>a·b modulo the polynomial, both bit-reversed.</summary>
    private static uint Multiply(uint a, uint b)
    {
        var product = 0u;
        for (var m = 1u << 31; m != 0; m >>= 1)
        {
            if ((a & m) != 0)
            {
                product ^= b;
            }

            b = (b & 1) != 0 ? (b >> 1) ^ Polynomial : b >> 1;
        }

        return product;
    }

    /// <summary>x^(8n) modulo the polynomial: the shift that appending <paramref name="n"/> bytes applies.</summary>
    private static uint XToThe8N(long n)
    {
        var power = 1u << 31;
        for (var k = 3; n != 0; n >>= 1, k++)
        {
            if ((n & 1) != 0)
            {
                power = Multiply(PowersOfTwoPowers[k & 31], power);
            }
        }

        return power;
    }

    private static uint[] CreatePowers()
    {
        var powers = new uint[32];
        var p = 1u << 30;
        for (var k = 0; k < 32; k++)
        {
            powers[k] = p;
            p = Multiply(p, p);
        }

        return powers;
    }
}
