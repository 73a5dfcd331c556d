using System.Net;
using FhirBulk.Auth;
using FhirBulk.Export;
using FhirBulk.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace FhirBulk.Tests.Auth;

/// <summary>What the client makes of token-endpoint and SMART-discovery answers that are not quite right (issue #10 item 4).</summary>
public class TokenEndpointAnswerTests
{
    private static readonly Uri Base = new("https://x.org/fhir");
    private static readonly Uri TokenUrl = new("https://x.org/token");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 17, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task StartExport_ExpiresInAsNumericString_IsAcceptedAndHonoured()
    {
        var tokens = 0;
        using var client = CreateSut(_ => StubHandler.Json(HttpStatusCode.OK, $$"""{"access_token":"t{{++tokens}}","expires_in":"300","token_type":"bearer"}"""), out var handler);

        await client.StartExportAsync(new ExportRequest());
        _time.Advance(TimeSpan.FromSeconds(269));
        await client.StartExportAsync(new ExportRequest());
        _time.Advance(TimeSpan.FromSeconds(2));
        await client.StartExportAsync(new ExportRequest());

        // 300 s less the 30 s renewal margin: the string was read as a lifetime, not ignored (which would assume 5 minutes too, so the renewal at 271 s tells).
        Assert.Equal(["Bearer t1", "Bearer t1", "Bearer t2"], handler.Authorizations.Where(a => a is not null));
    }

    [Theory]
    [InlineData("<html>Bad gateway</html>", "not JSON")]
    [InlineData("", "an empty body")]
    [InlineData("""["t"]""", "JSON array")]
    [InlineData("""{"token_type":"bearer"}""", "without an access_token")]
    [InlineData("""{"access_token":42}""", "access_token that is the number 42")]
    [InlineData("""{"access_token":"t","expires_in":"soon"}""", "expires_in that is the string \"soon\"")]
    [InlineData("""{"access_token":"t","expires_in":true}""", "expires_in that is the boolean true")]
    public async Task StartExport_MalformedTokenAnswer_ThrowsAuthenticationExceptionNamingEndpointAndField(string body, string expected)
    {
        using var client = CreateSut(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body) }, out _);

        var error = await Assert.ThrowsAsync<AuthenticationException>(() => client.StartExportAsync(new ExportRequest()));

        Assert.Contains(TokenUrl.AbsoluteUri, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
        Assert.Equal(TokenUrl, error.RequestUri);
    }

    [Theory]
    [InlineData("""{"token_endpoint":42}""", "token_endpoint")]
    [InlineData("""{"token_endpoint":"ftp://x.org/token"}""", "token_endpoint")]
    [InlineData("""{"token_endpoint":"https://x.org/token","capabilities":"client-confidential-asymmetric"}""", "capabilities")]
    [InlineData("""["https://x.org/token"]""", "JSON array")]
    [InlineData("<html>Welcome</html>", "did not answer JSON (line 1, byte 1 of its body)")]
    public async Task GetSmartConfiguration_MalformedDocument_ThrowsFhirBulkExceptionNamingDocumentAndField(string document, string field)
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, document));
        using var client = new BulkDataClient(Base, new BulkDataClientOptions { HttpClient = new HttpClient(handler), TimeProvider = _time, MaxRetries = 0 });

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => client.GetSmartConfigurationAsync());

        Assert.IsNotType<AuthenticationException>(error);
        Assert.Contains("https://x.org/fhir/.well-known/smart-configuration", error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    private BulkDataClient CreateSut(Func<int, HttpResponseMessage> token, out StubHandler handler)
    {
        var tokenRequests = 0;
        handler = new StubHandler((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/fhir/.well-known/smart-configuration" => StubHandler.Json(HttpStatusCode.OK, """{"token_endpoint":"https://x.org/token"}"""),
            "/token" => token(++tokenRequests),
            _ => StubHandler.KickoffAccepted(),
        });
        var key = ClientSigningKey.FromPem(KeyGenerator.Generate("ES384").PrivateKeyPem);
        return new BulkDataClient(Base, new BulkDataClientOptions
        {
            HttpClient = new HttpClient(handler),
            TimeProvider = _time,
            Credentials = new BulkDataCredentials("c", key),
            MaxRetries = 0,
        });
    }
}
