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

    [Theory]
    [InlineData("fhirr")]
    [InlineData("bm90LWpzb24")]
    [InlineData("WzFd")]
    public void TryDecode_NoBase64UrlJsonObject_FalseWithoutAnErrorOfItsOwn(string segment)
    {
        Assert.False(FaultSegment.TryDecode(segment, out _, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void TryDecode_BomMiscountCutGzip_ReadByTheirJsonNames()
    {
        var segment = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"bomFile":0.25,"miscount":0.5,"cutGzip":0.75}""");
        Assert.True(FaultSegment.TryDecode(segment, out var faults, out var error), error);
        Assert.Equal((0.25, 0.5, 0.75), (faults.BomFileRate, faults.MiscountRate, faults.CutGzipRate));
    }

    [Theory]
    [InlineData("bomFile")]
    [InlineData("miscount")]
    [InlineData("cutGzip")]
    public void TryDecode_BomMiscountCutGzipAboveOne_FalseWithRateError(string name)
    {
        var segment = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode($$"""{"{{name}}":1.5}""");
        Assert.False(FaultSegment.TryDecode(segment, out _, out var error));
        Assert.Contains("between 0 and 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_InformationFileWarningFile_ReadByTheirJsonNames()
    {
        var segment = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"informationFile":0.25,"warningFile":0.5}""");
        Assert.True(FaultSegment.TryDecode(segment, out var faults, out var error), error);
        Assert.Equal((0.25, 0.5), (faults.InformationFileRate, faults.WarningFileRate));
    }

    [Theory]
    [InlineData("informationFile", "1.5")]
    [InlineData("warningFile", "1.5")]
    [InlineData("informationFile", "-0.1")]
    [InlineData("warningFile", "-0.1")]
    public void TryDecode_InformationFileWarningFileOutOfRange_FalseWithRateError(string name, string rate)
    {
        var segment = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode($$"""{"{{name}}":{{rate}}}""");
        Assert.False(FaultSegment.TryDecode(segment, out _, out var error));
        Assert.Contains("between 0 and 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidate_InformationFileNaN_False()
    {
        Assert.False(new FaultOptions { InformationFileRate = double.NaN }.TryValidate(out var error));
        Assert.Contains("between 0 and 1", error, StringComparison.Ordinal);
        Assert.False(new FaultOptions { WarningFileRate = double.NaN }.TryValidate(out _));
    }

    [Fact]
    public void FaultDecider_Rate_HitsAboutThatOften()
    {
        var faults = new FaultOptions { Seed = 9 };
        var hits = Enumerable.Range(0, 2000).Count(i => FaultDecider.Hit(faults, 0.3, "status", "x", i));
        Assert.InRange(hits, 500, 700);
    }
}
