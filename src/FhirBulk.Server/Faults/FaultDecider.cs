using System.Globalization;
using FhirBulk.Server.Data.Generation;
using Microsoft.AspNetCore.Http;

namespace FhirBulk.Server.Faults;

/// <summary>Deterministic fault decisions: a hash of the seed, the fault, the target and the call number.</summary>
internal static class FaultDecider
{
    public static bool Hit(FaultOptions faults, double rate, string fault, string target, long call)
    {
        if (rate <= 0)
        {
            return false;
        }

        if (rate >= 1)
        {
            return true;
        }

        var state = DeterministicRandom.Mix((ulong)(uint)faults.Seed ^ DeterministicRandom.StableHash(fault))
            ^ DeterministicRandom.Mix(DeterministicRandom.StableHash(target) + (ulong)call);
        return new DeterministicRandom(state).NextDouble() < rate;
    }

    /// <summary>Writes Retry-After in the configured style (seconds, HTTP-date, or an absurd value clients must cap).</summary>
    public static void SetRetryAfter(HttpResponse response, FaultOptions faults, TimeProvider timeProvider)
    {
        var seconds = Math.Max(0, faults.RetryAfterSeconds);
        response.Headers.RetryAfter = faults.RetryAfterStyle switch
        {
            RetryAfterStyle.HttpDate => timeProvider.GetUtcNow().AddSeconds(seconds).ToString("r", CultureInfo.InvariantCulture),
            RetryAfterStyle.Absurd => (365 * 24 * 3600).ToString(CultureInfo.InvariantCulture),
            _ => seconds.ToString(CultureInfo.InvariantCulture),
        };
    }
}
