using FhirBulk.Server.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace FhirBulk.Server.Tests.Auth;

/// <summary>A server on a fake clock, so token expiry is tested without waiting.</summary>
public sealed class FakeClockServerFixture : ServerFixture
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override BulkDataServerOptions CreateOptions() => new() { Patients = 5, Seed = 3, TimeProvider = Clock };

    public async Task<string> FakeClockTokenAsync()
    {
        using var response = await RequestTokenAsync((Assertion() with { Now = Clock.GetUtcNow() }).Sign(RsaKeys));
        return (await HttpAssert.JsonAsync(response)).GetProperty("access_token").GetString()!;
    }
}

public class AccessTokenTests(FakeClockServerFixture fixture) : IClassFixture<FakeClockServerFixture>
{
    private string GroupUrl => fixture.Server.BaseUri + "/Group";

    [Fact]
    public async Task Request_ValidToken_Succeeds()
    {
        var token = await fixture.FakeClockTokenAsync();
        using var response = await fixture.Http.SendAsync(fixture.Get(GroupUrl, token));
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task Status_AfterRetention_NotFound()
    {
        var token = await fixture.FakeClockTokenAsync();
        var status = await fixture.StartExportAsync(fixture.Server.BaseUri + "/Patient/$export?_type=Patient", token);
        var manifest = await fixture.WaitForManifestAsync(status, token);
        var file = manifest.GetProperty("output")[0].GetProperty("url").GetString()!;
        fixture.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var fresh = await fixture.FakeClockTokenAsync();
        using var gone = await fixture.Http.SendAsync(fixture.Get(status, fresh));
        await HttpAssert.AssertOutcomeAsync(gone, 404);
        using var fileGone = await fixture.Http.SendAsync(fixture.Get(file, fresh));
        await HttpAssert.AssertOutcomeAsync(fileGone, 404);
    }

    [Fact]
    public async Task Request_NoToken_Unauthorized()
    {
        using var response = await fixture.Http.SendAsync(fixture.Get(GroupUrl, null));
        var issue = await HttpAssert.AssertOutcomeAsync(response, 401);
        Assert.Equal("login", issue.GetProperty("code").GetString());
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_ExpiredToken_Unauthorized()
    {
        var token = await fixture.FakeClockTokenAsync();
        fixture.Clock.Advance(TimeSpan.FromMinutes(6));
        using var response = await fixture.Http.SendAsync(fixture.Get(GroupUrl, token));
        var issue = await HttpAssert.AssertOutcomeAsync(response, 401);
        Assert.Contains("expired", issue.GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_TamperedToken_Unauthorized()
    {
        var token = await fixture.FakeClockTokenAsync();
        var parts = token.Split('.');
        var forged = parts[0] + "." + parts[1] + "." + new string('A', parts[2].Length);
        using var response = await fixture.Http.SendAsync(fixture.Get(GroupUrl, forged));
        await HttpAssert.AssertOutcomeAsync(response, 401);
    }

    [Fact]
    public async Task Request_TokenFromAnotherServer_Unauthorized()
    {
        await using var other = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1 });
        var clientId = other.RegisterClient(fixture.RsaKeys.PublicJwks());
        using var response = await fixture.RequestTokenAsync(new AssertionSpec(clientId, other.TokenEndpoint.ToString()).Sign(fixture.RsaKeys), tokenEndpoint: other.TokenEndpoint);
        var token = (await HttpAssert.JsonAsync(response)).GetProperty("access_token").GetString();
        using var refused = await fixture.Http.SendAsync(fixture.Get(GroupUrl, token));
        await HttpAssert.AssertOutcomeAsync(refused, 401);
    }
}
