using FhirBulk.Server.Auth;

namespace FhirBulk.Server.Tests.Auth;

public class ScopeSetTests
{
    [Theory]
    [InlineData("system/*.read", "system/Patient.read", true)]
    [InlineData("system/*.read", "system/Patient.rs", true)]
    [InlineData("system/*.rs", "system/*.read", true)]
    [InlineData("system/*.read", "system/*.write", false)]
    [InlineData("system/Patient.read", "system/Observation.read", false)]
    [InlineData("system/*.*", "system/Observation.cruds", true)]
    [InlineData("system/*.r", "system/*.rs", false)]
    public void Covers_AllowedVersusRequested(string allowed, string requested, bool expected) =>
        Assert.Equal(expected, ScopeSet.Parse(allowed).Covers(ScopeSet.Parse(requested)));

    [Theory]
    [InlineData("system/*.sr")]
    [InlineData("system/*.")]
    [InlineData("system/patient.read")]
    [InlineData("patient/*.read")]
    [InlineData("system/*.rr")]
    public void TryParse_Malformed_False(string scope) => Assert.False(ScopeSet.TryParse(scope, out _, out _));

    [Fact]
    public void CanExport_TypeScopes_OnlyThoseTypes()
    {
        var scopes = ScopeSet.Parse("system/Patient.rs system/Condition.read system/Observation.c");
        Assert.True(scopes.CanExport("Patient"));
        Assert.True(scopes.CanExport("Condition"));
        Assert.False(scopes.CanExport("Observation"));
        Assert.False(scopes.CanExport("Encounter"));
    }
}
