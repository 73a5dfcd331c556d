using FhirBulk.Http;

namespace FhirBulk.Tests.Http;

public class UrlRedactionTests
{
    [Fact]
    public void Redacted_QueryValues_ElidedAndNamesKept()
    {
        var url = UrlRedaction.Redacted(new Uri("https://files.example.org/bulk/Patient.ndjson?sig=SECRET&se=2026-12-01"));

        Assert.Equal("https://files.example.org/bulk/Patient.ndjson?sig=…&se=…", url);
    }

    [Fact]
    public void Redacted_UserInfo_Dropped()
    {
        var url = UrlRedaction.Redacted(new Uri("https://user:password@example.org/fhir/metadata"));

        Assert.Equal("https://example.org/fhir/metadata", url);
    }

    [Fact]
    public void Redacted_RelativeManifestUrl_QueryDropped()
    {
        Assert.Equal("files/Patient.ndjson", UrlRedaction.Redacted("files/Patient.ndjson?sig=SECRET"));
    }

    [Fact]
    public void RedactedIn_MessagesNamingSignedUrls_EveryQueryValueElidedAndSentencePunctuationKept()
    {
        var text = UrlRedaction.RedactedIn(
            "https://b.s3.amazonaws.com/Patient.ndjson?X-Amz-Signature=SECRET1: answered 403; also at http://127.0.0.1:8080/files/x.ndjson?sig=SECRET2.");

        Assert.Equal(
            "https://b.s3.amazonaws.com/Patient.ndjson?X-Amz-Signature=…: answered 403; also at http://127.0.0.1:8080/files/x.ndjson?sig=….",
            text);
    }

    [Fact]
    public void RedactedIn_TextWithoutUrls_Unchanged()
    {
        Assert.Equal("Patient?active=true", UrlRedaction.RedactedIn("Patient?active=true"));
    }
}
