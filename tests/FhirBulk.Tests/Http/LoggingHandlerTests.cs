using FhirBulk.Http;

namespace FhirBulk.Tests.Http;

public class LoggingHandlerTests
{
    [Fact]
    public void Redacted_QueryValues_ElidedAndNamesKept()
    {
        var url = LoggingHandler.Redacted(new Uri("https://files.example.org/bulk/Patient.ndjson?sig=SECRET&se=2026-12-01"));

        Assert.Equal("https://files.example.org/bulk/Patient.ndjson?sig=…&se=…", url);
    }

    [Fact]
    public void Redacted_UserInfo_Dropped()
    {
        var url = LoggingHandler.Redacted(new Uri("https://user:password@example.org/fhir/metadata"));

        Assert.Equal("https://example.org/fhir/metadata", url);
    }
}
