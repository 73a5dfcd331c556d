using System.Text;
using CsCheck;
using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

public sealed class FuzzServerFixture : ServerFixture
{
    protected override BulkDataServerOptions CreateOptions() => new() { Patients = 3, Seed = 1, MaxConcurrentJobsPerClient = 1000 };
}

/// <summary>Whatever a client sends, the answer is never a 5xx: every mistake is a 4xx that says what was wrong.</summary>
public class ClientMistakeFuzzTests(FuzzServerFixture fixture) : IClassFixture<FuzzServerFixture>
{
    private static readonly string[] Names =
        ["_type", "_since", "_until", "_elements", "_typeFilter", "_outputFormat", "patient", "includeAssociatedData", "organizeOutputBy", "allowPartialManifests", "_count", ""];

    private static readonly string[] Fragments =
        ["Patient", "Observation", "?", "&", "=", ",", "|", ":", ":not", "%", "%2C", "%ZZ", "2024", "-", "T", "Z", "ge", "eq2024-13-40", "code", "date", "\u00e9", " ", ".", "true", "[]", "{", "\""];

    private static readonly Gen<string> Value = Gen.OneOf(Fragments).Array[0, 8].Select(parts => string.Concat(parts));

    private static readonly Gen<(string Name, string Value)[]> Query = Gen.Select(Gen.OneOf(Names), Value).Array[1, 4];

    [Fact]
    public async Task Kickoff_AnyQuery_NeverServerError()
    {
        var token = await fixture.TokenAsync();
        await Query.SampleAsync(async parameters =>
        {
            var query = string.Join("&", parameters.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));
            foreach (var path in new[] { "/$export?", "/Patient/$export?", "/Group/x/$export?" })
            {
                using var response = await fixture.Http.SendAsync(fixture.Kickoff(fixture.Server.BaseUri + path + query, token));
                Assert.True((int)response.StatusCode < 500, $"{path}{query} -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }, iter: 60, threads: 1);
    }

    [Fact]
    public async Task PostKickoff_AnyBody_NeverServerError()
    {
        var token = await fixture.TokenAsync();
        var bodies = Gen.OneOf<string>(
            Gen.String,
            Gen.OneOf<string>(
                "{}", "[]", "null", "1", """{"resourceType":1}""", """{"resourceType":"Parameters","parameter":{}}""",
                """{"resourceType":"Parameters","parameter":[1]}""", """{"resourceType":"Parameters","parameter":[{"name":3}]}""",
                """{"resourceType":"Parameters","parameter":[{"name":"patient","valueReference":{"reference":7}}]}""",
                """{"resourceType":"Parameters","parameter":[{"name":"_type","valueInteger":5}]}"""));
        await bodies.SampleAsync(async body =>
        {
            var request = fixture.Kickoff(fixture.Server.BaseUri + "/Patient/$export", token, HttpMethod.Post);
            request.Content = new StringContent(body, Encoding.UTF8, "application/fhir+json");
            using var response = await fixture.Http.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{body} -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }, iter: 60, threads: 1);
    }

    [Fact]
    public async Task Token_AnyForm_NeverServerError()
    {
        var forms = Gen.Select(Gen.OneOf("grant_type", "client_assertion_type", "client_assertion", "scope", "x"), Value).Array[0, 5];
        await forms.SampleAsync(async fields =>
        {
            var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
            using var response = await fixture.Http.PostAsync(fixture.Server.TokenEndpoint, content);
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }, iter: 60, threads: 1);
    }
}
