using FhirBulk.Http;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Http;

public class OperationOutcomesTests
{
    [Theory]
    [InlineData("transient", true)]
    [InlineData("throttled", true)]
    [InlineData("timeout", true)]
    [InlineData("processing", false)]
    [InlineData("not-found", false)]
    public void IsTransient_IssueCode_MatchesFhirTransientCodes(string code, bool expected) =>
        Assert.Equal(expected, OperationOutcomes.IsTransient(OperationOutcomes.TryParse(StubHandler.Outcome(code))));

    [Fact]
    public void TryParse_NotAnOperationOutcome_ReturnsNull() =>
        Assert.Null(OperationOutcomes.TryParse("""{"resourceType":"Patient"}"""));

    [Fact]
    public void Summarize_Issue_NamesSeverityCodeAndDiagnostics() =>
        Assert.Equal("error processing: bad _type", OperationOutcomes.Summarize(OperationOutcomes.TryParse(StubHandler.Outcome("processing", "bad _type"))));
}
