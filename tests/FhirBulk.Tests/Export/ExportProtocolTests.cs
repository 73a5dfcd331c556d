using System.Net;
using FhirBulk.Auth;
using FhirBulk.Export;
using FhirBulk.Http;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Export;

/// <summary>Protocol edge cases at the HttpMessageHandler level, on a fake clock: nothing here sleeps.</summary>
public class ExportProtocolTests
{
    private const string Manifest = """{"transactionTime":"2026-01-01T00:00:00Z","request":"r","requiresAccessToken":true,"output":[{"type":"Patient","url":"https://x.org/f/1"}],"error":[]}""";
    private static readonly Uri Base = new("https://x.org/fhir");
    private static readonly Uri Status = new("https://x.org/status/1");

    private readonly WaitingClock _time = new(new DateTimeOffset(2026, 11, 28, 17, 0, 0, TimeSpan.Zero));
    private readonly List<DateTimeOffset> _arrivals = [];

    [Fact]
    public async Task WaitForCompletion_HttpDateRetryAfter_WaitsUntilThatDateWithoutBusyPolling()
    {
        var handler = new StubHandler((_, n) =>
        {
            _arrivals.Add(_time.GetUtcNow());
            if (n == 1)
            {
                var pending = new HttpResponseMessage(HttpStatusCode.Accepted);
                pending.Headers.TryAddWithoutValidation("Retry-After", _time.GetUtcNow().AddSeconds(30).ToString("r", System.Globalization.CultureInfo.InvariantCulture));
                pending.Headers.Add("X-Progress", "50%");
                return pending;
            }

            return StubHandler.Json(HttpStatusCode.OK, Manifest);
        });
        using var client = CreateSut(handler);
        var statuses = new List<ExportStatus>();

        var manifest = await RunOnClock(client.GetExportOperation(Status).WaitForCompletionAsync(new Sync<ExportStatus>(statuses.Add)));

        Assert.Equal(2, handler.Requests.Count);
        Assert.True(_arrivals[1] - _arrivals[0] >= TimeSpan.FromSeconds(30), $"polled again after {_arrivals[1] - _arrivals[0]}");
        Assert.Equal("50%", statuses[0].Progress);
        Assert.Equal("Patient", Assert.Single(manifest.Output).Type);
    }

    [Fact]
    public async Task UpdateStatus_TransientOutcomeThen429_RetriesAndSucceeds()
    {
        var handler = new StubHandler((_, n) => n switch
        {
            1 => StubHandler.Json(HttpStatusCode.InternalServerError, StubHandler.Outcome("transient")),
            2 => WithRetryAfter(StubHandler.Json(HttpStatusCode.TooManyRequests, "{}"), "3"),
            _ => StubHandler.Json(HttpStatusCode.OK, Manifest),
        });
        using var client = CreateSut(handler);

        var status = await RunOnClock(client.GetExportOperation(Status).UpdateStatusAsync());

        Assert.True(status.IsComplete);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task UpdateStatus_400WithOutcome_ThrowsCarryingOutcomeStatusAndUrl()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.BadRequest, StubHandler.Outcome("invalid", "bad _since")));
        using var client = CreateSut(handler);

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => RunOnClock(client.GetExportOperation(Status).UpdateStatusAsync()));

        Assert.Equal((HttpStatusCode.BadRequest, Status, false), (error.StatusCode!.Value, error.RequestUri!, error.IsTransient));
        Assert.Contains("bad _since", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.OperationOutcome);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task UpdateStatus_404_SaysTheJobIsGone()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.NotFound, StubHandler.Outcome("not-found")));
        using var client = CreateSut(handler);

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => RunOnClock(client.GetExportOperation(Status).UpdateStatusAsync()));

        Assert.Contains("gone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateStatus_PartialManifest_FollowsNextLinks()
    {
        var handler = new StubHandler((request, _) => request.RequestUri!.Query == "?page=2"
            ? StubHandler.Json(HttpStatusCode.OK, Manifest.Replace("/f/1", "/f/2", StringComparison.Ordinal))
            : StubHandler.Json(HttpStatusCode.OK, Manifest.Replace("\"error\":[]", "\"error\":[],\"link\":[{\"relation\":\"next\",\"url\":\"https://x.org/status/1?page=2\"}]", StringComparison.Ordinal)));
        using var client = CreateSut(handler);

        var status = await RunOnClock(client.GetExportOperation(Status).UpdateStatusAsync());

        Assert.Equal(["https://x.org/f/1", "https://x.org/f/2"], status.Manifest!.Output.Select(o => o.Url));
        Assert.Null(status.Manifest.NextPage);
    }

    [Fact]
    public async Task StartExport_TokenEndpointRefuses_ThrowsAuthenticationExceptionWithOAuthError()
    {
        var handler = new StubHandler((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/fhir/.well-known/smart-configuration" => StubHandler.Json(HttpStatusCode.OK, """{"token_endpoint":"https://x.org/token"}"""),
            "/token" => StubHandler.Json(HttpStatusCode.BadRequest, """{"error":"invalid_client","error_description":"unknown kid"}"""),
            _ => throw new InvalidOperationException("The kick-off must not be sent without a token."),
        });
        using var key = ClientSigningKey.FromPem(KeyGenerator.Generate("ES384").PrivateKeyPem);
        using var client = CreateSut(handler, new BulkDataCredentials("c", key));

        var error = await Assert.ThrowsAsync<AuthenticationException>(() => RunOnClock(client.StartExportAsync(new ExportRequest())));

        Assert.Equal(("invalid_client", "unknown kid"), (error.Error, error.ErrorDescription));
    }

    [Fact]
    public async Task StartExport_401WithCachedToken_RenewsTokenOnceAndRetries()
    {
        var tokens = 0;
        var handler = new StubHandler((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/fhir/.well-known/smart-configuration" => StubHandler.Json(HttpStatusCode.OK, """{"token_endpoint":"https://x.org/token"}"""),
            "/token" => StubHandler.Json(HttpStatusCode.OK, $$"""{"access_token":"t{{++tokens}}","expires_in":300,"token_type":"bearer"}"""),
            _ when request.Headers.Authorization?.Parameter == "t1" => StubHandler.Json(HttpStatusCode.Unauthorized, StubHandler.Outcome("login")),
            _ => Accepted(),
        });
        using var key = ClientSigningKey.FromPem(KeyGenerator.Generate("RS384").PrivateKeyPem);
        using var client = CreateSut(handler, new BulkDataCredentials("c", key));

        var operation = await RunOnClock(client.StartExportAsync(new ExportRequest()));

        Assert.Equal(Status, operation.StatusUrl);
        Assert.Equal(2, tokens);
        Assert.Equal(["Bearer t1", "Bearer t2"], handler.Authorizations.Where(a => a is not null));
    }

    [Fact]
    public async Task StartExport_TokenNearExpiry_IsRenewedBeforeUse()
    {
        var tokens = 0;
        var handler = new StubHandler((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/fhir/.well-known/smart-configuration" => StubHandler.Json(HttpStatusCode.OK, """{"token_endpoint":"https://x.org/token"}"""),
            "/token" => StubHandler.Json(HttpStatusCode.OK, $$"""{"access_token":"t{{++tokens}}","expires_in":60}"""),
            _ => Accepted(),
        });
        using var key = ClientSigningKey.FromPem(KeyGenerator.Generate("RS384").PrivateKeyPem);
        using var client = CreateSut(handler, new BulkDataCredentials("c", key));

        await RunOnClock(client.StartExportAsync(new ExportRequest()));
        _time.Advance(TimeSpan.FromSeconds(29));
        await RunOnClock(client.StartExportAsync(new ExportRequest()));
        _time.Advance(TimeSpan.FromSeconds(2));
        await RunOnClock(client.StartExportAsync(new ExportRequest()));

        Assert.Equal(["Bearer t1", "Bearer t1", "Bearer t2"], handler.Authorizations.Where(a => a is not null));
    }

    [Fact]
    public async Task SmartConfiguration_WellKnownMissing_FallsBackToCapabilityStatementOAuthUris()
    {
        var handler = new StubHandler((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/fhir/metadata" => StubHandler.Json(HttpStatusCode.OK, """
                {"resourceType":"CapabilityStatement","rest":[{"security":{"extension":[{"url":"http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                 "extension":[{"url":"token","valueUri":"https://auth.x.org/token"}]}]}}]}
                """),
            _ => StubHandler.Json(HttpStatusCode.NotFound, StubHandler.Outcome("not-found")),
        });
        using var client = CreateSut(handler);

        var configuration = await RunOnClock(client.GetSmartConfigurationAsync());

        Assert.Equal(new Uri("https://auth.x.org/token"), configuration!.TokenEndpoint);
        Assert.True(configuration.FromCapabilityStatement);
    }

    [Fact]
    public async Task StartExport_Persistent503_GivesUpAfterMaxRetriesAsTransientFailure()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.ServiceUnavailable, "down"));
        using var client = CreateSut(handler);

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => RunOnClock(client.StartExportAsync(new ExportRequest())));

        Assert.True(error.IsTransient);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(4, handler.Requests.Count);
    }

    private static HttpResponseMessage Accepted()
    {
        var response = new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent(string.Empty) };
        response.Content.Headers.ContentLocation = Status;
        return response;
    }

    private static HttpResponseMessage WithRetryAfter(HttpResponseMessage response, string value)
    {
        response.Headers.TryAddWithoutValidation("Retry-After", value);
        return response;
    }

    private BulkDataClient CreateSut(StubHandler handler, BulkDataCredentials? credentials = null) => new(Base, new BulkDataClientOptions
    {
        HttpClient = new HttpClient(handler),
        TimeProvider = _time,
        Credentials = credentials,
        MaxRetries = 3,
    });

    private Task<T> RunOnClock<T>(Task<T> task) => _time.RunUntilDoneAsync(task, TimeSpan.FromMilliseconds(250));

    private sealed class Sync<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
