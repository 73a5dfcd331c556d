using CsCheck;
using FhirBulk.Http;

namespace FhirBulk.Tests.Http;

public class BackoffTests
{
    [Fact]
    public void Delay_AnyAttemptAndJitter_StaysWithinHalfInitialAndMax() =>
        Gen.Select(Gen.Int[1, 60], Gen.Double[0, 1]).Sample((attempt, jitter) =>
        {
            var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), () => jitter);
            var delay = backoff.Delay(attempt);
            return delay >= TimeSpan.FromSeconds(0.5) && delay <= TimeSpan.FromSeconds(30);
        });

    [Fact]
    public void Delay_FullJitter_GrowsExponentiallyUntilTheCap()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), () => 1.0);
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(1, 7).Select(a => backoff.Delay(a).TotalSeconds));
    }
}
