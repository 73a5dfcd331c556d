using FhirBulk.Server.Faults;

namespace FhirBulk.Server.Tests.Faults;

public class FaultSegmentTests
{
    [Fact]
    public void Encode_ThenDecode_RoundTrips()
    {
        var faults = new FaultOptions { Seed = 3, StatusErrorRate = 0.25, RetryAfterStyle = RetryAfterStyle.HttpDate, CutFileAfterBytes = 10, AccessTokenLifetimeSeconds = 30, ResourcesPerFile = 7 };
        Assert.True(FaultSegment.TryDecode(FaultSegment.Encode(faults), out var decoded, out var error), error);
        Assert.Equivalent(faults, decoded);
    }

    [Fact]
    public void TryDecode_UnknownField_FalseNamingIt()
    {
        var segment = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"explode":true}""");
        Assert.False(FaultSegment.TryDecode(segment, out _, out var error));
        Assert.Contains("explode", error, StringComparison.Ordinal);
    }

    [Fact]
    public void FaultDecider_Rate_HitsAboutThatOften()
    {
        var faults = new FaultOptions { Seed = 9 };
        var hits = Enumerable.Range(0, 2000).Count(i => FaultDecider.Hit(faults, 0.3, "status", "x", i));
        Assert.InRange(hits, 500, 700);
    }
}
