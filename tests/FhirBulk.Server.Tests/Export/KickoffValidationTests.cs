using System.Net.Http.Headers;
using System.Text;
using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

public class KickoffValidationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private string Base => fixture.Server.BaseUri.ToString();

    private async Task<HttpResponseMessage> SendAsync(string relative, Action<HttpRequestMessage>? change = null, HttpMethod? method = null)
    {
        var request = fixture.Kickoff(Base + relative, await fixture.TokenAsync(), method);
        change?.Invoke(request);
        return await fixture.Http.SendAsync(request);
    }

    private async Task AssertBadRequestAsync(string relative, string expected, Action<HttpRequestMessage>? change = null, HttpMethod? method = null)
    {
        using var response = await SendAsync(relative, change, method);
        var issue = await HttpAssert.AssertOutcomeAsync(response, 400);
        Assert.Contains(expected, issue.GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public Task Kickoff_WithoutPreferRespondAsync_BadRequest() =>
        AssertBadRequestAsync("/$export", "respond-async", r => r.Headers.Remove("Prefer"));

    [Fact]
    public Task Kickoff_WithoutFhirJsonAccept_BadRequest() =>
        AssertBadRequestAsync("/$export", "Accept", r => r.Headers.Accept.Clear());

    [Fact]
    public async Task Kickoff_LenientWithoutAccept_Accepted()
    {
        using var response = await SendAsync("/$export?_type=Patient", r =>
        {
            r.Headers.Accept.Clear();
            r.Headers.Remove("Prefer");
            r.Headers.Add("Prefer", "respond-async, handling=lenient");
        });
        Assert.Equal(202, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("respond-async, handling=lenient")]
    [InlineData("respond-async; handling=lenient")]
    [InlineData("handling=strict,respond-async")]
    public async Task Kickoff_PreferForms_Accepted(string prefer)
    {
        using var response = await SendAsync("/$export?_type=Patient", r =>
        {
            r.Headers.Remove("Prefer");
            r.Headers.TryAddWithoutValidation("Prefer", prefer);
        });
        Assert.Equal(202, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("application/fhir+ndjson")]
    [InlineData("application/ndjson")]
    [InlineData("ndjson")]
    public async Task Kickoff_OutputFormatAlias_Accepted(string format)
    {
        using var response = await SendAsync("/$export?_type=Patient&_outputFormat=" + Uri.EscapeDataString(format));
        Assert.Equal(202, (int)response.StatusCode);
        Assert.StartsWith(Base + "/bulkstatus/", response.Content.Headers.ContentLocation!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public Task Kickoff_UnsupportedOutputFormat_BadRequest() => AssertBadRequestAsync("/$export?_outputFormat=text/csv", "_outputFormat");

    [Fact]
    public Task Kickoff_UnknownType_BadRequest() => AssertBadRequestAsync("/$export?_type=Patient,Spaceship", "Spaceship");

    [Fact]
    public Task Kickoff_UnknownParameter_BadRequest() => AssertBadRequestAsync("/$export?_count=10", "_count");

    [Fact]
    public Task Kickoff_FutureSince_BadRequest() => AssertBadRequestAsync("/$export?_since=2999-01-01T00:00:00Z", "future");

    [Fact]
    public Task Kickoff_MalformedSince_BadRequest() => AssertBadRequestAsync("/$export?_since=yesterday", "_since");

    [Fact]
    public async Task Kickoff_UntilYear9999_Accepted()
    {
        // Regression: the end of the year 9999 was computed by AddYears(1), which threw (a 500).
        var token = await fixture.TokenAsync();
        var status = await fixture.StartExportAsync(Base + "/$export?_type=Patient&_until=9999", token);
        using var cancel = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, status) { Headers = { Authorization = new("Bearer", token) } });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
    }

    [Fact]
    public Task Kickoff_UntilBeforeSince_BadRequest() => AssertBadRequestAsync("/$export?_since=2020-01-01T00:00:00Z&_until=2019-01-01T00:00:00Z", "_until");

    [Fact]
    public Task Kickoff_PatientParameterOnGet_BadRequest() => AssertBadRequestAsync("/Patient/$export?patient=Patient/1", "POST");

    [Fact]
    public Task Kickoff_MalformedElements_BadRequest() => AssertBadRequestAsync("/$export?_elements=Spaceship.id", "_elements");

    [Fact]
    public Task Kickoff_UnsupportedTypeFilterParameter_BadRequest() =>
        AssertBadRequestAsync("/$export?_typeFilter=" + Uri.EscapeDataString("Observation?focus=Patient/1"), "focus");

    [Fact]
    public Task Kickoff_TypeFilterForTypeOutsideType_BadRequest() =>
        AssertBadRequestAsync("/$export?_type=Patient&_typeFilter=" + Uri.EscapeDataString("Condition?code=1"), "_type");

    [Fact]
    public Task Kickoff_UnknownIncludeAssociatedData_BadRequest() => AssertBadRequestAsync("/$export?includeAssociatedData=Everything", "includeAssociatedData");

    [Fact]
    public Task Kickoff_OrganizeByUnsupportedType_BadRequest() => AssertBadRequestAsync("/Patient/$export?organizeOutputBy=Encounter", "organizeOutputBy");

    [Fact]
    public Task Kickoff_AllowPartialManifestsNotBoolean_BadRequest() => AssertBadRequestAsync("/$export?allowPartialManifests=maybe", "allowPartialManifests");

    [Fact]
    public async Task Kickoff_UnknownGroup_NotFound()
    {
        using var response = await SendAsync("/Group/no-such-group/$export");
        await HttpAssert.AssertOutcomeAsync(response, 404);
    }

    [Fact]
    public Task Kickoff_PostWithNonParametersBody_BadRequest() =>
        AssertBadRequestAsync("/Patient/$export", "Parameters", r => r.Content = new StringContent("""{"resourceType":"Patient"}""", Encoding.UTF8, "application/fhir+json"), HttpMethod.Post);

    [Fact]
    public Task Kickoff_PostWithInvalidJson_BadRequest() =>
        AssertBadRequestAsync("/Patient/$export", "JSON", r => r.Content = new StringContent("{", Encoding.UTF8, "application/fhir+json"), HttpMethod.Post);

    [Fact]
    public Task Kickoff_PostWithFormBody_BadRequest() =>
        AssertBadRequestAsync("/Patient/$export", "Parameters", r => r.Content = new StringContent("a=b", Encoding.UTF8, "application/x-www-form-urlencoded"), HttpMethod.Post);

    [Fact]
    public Task Kickoff_PostPatientOnSystemExport_BadRequest() =>
        AssertBadRequestAsync("/$export", "system export", r => r.Content = Parameters(("patient", """{"valueReference":{"reference":"Patient/1"}}""")), HttpMethod.Post);

    [Fact]
    public async Task Kickoff_TypeOutsideTokenScopes_Forbidden()
    {
        var request = fixture.Kickoff(Base + "/$export?_type=Condition", await fixture.TokenAsync("system/Patient.rs"));
        using var response = await fixture.Http.SendAsync(request);
        var issue = await HttpAssert.AssertOutcomeAsync(response, 403);
        Assert.Contains("Condition", issue.GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPath_NotFoundOutcome()
    {
        using var response = await fixture.Http.SendAsync(fixture.Get(Base + "/Spaceship", null));
        await HttpAssert.AssertOutcomeAsync(response, 404);
    }

    public static StringContent Parameters(params (string Name, string ValueJson)[] parameters)
    {
        var items = string.Join(",", parameters.Select(p => $$"""{"name":"{{p.Name}}",{{p.ValueJson[1..^1]}}}"""));
        var content = new StringContent($$"""{"resourceType":"Parameters","parameter":[{{items}}]}""", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        return content;
    }
}
