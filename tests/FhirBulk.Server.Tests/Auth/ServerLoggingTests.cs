using FhirBulk.Server.Tests.Support;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Server.Tests.Auth;

public sealed class LoggingServerFixture : ServerFixture
{
    public CapturingLoggerProvider Logs { get; } = new();

    protected override BulkDataServerOptions CreateOptions() => new()
    {
        Patients = 3,
        LoggerFactory = LoggerFactory.Create(builder => builder.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace)),
    };
}

public class ServerLoggingTests(LoggingServerFixture fixture) : IClassFixture<LoggingServerFixture>
{
    [Fact]
    public async Task Logs_TokenIssuedAndRejections_NeverTheTokenOrAssertion()
    {
        var assertion = fixture.Assertion().Sign(fixture.RsaKeys);
        using var response = await fixture.RequestTokenAsync(assertion);
        var token = (await HttpAssert.JsonAsync(response)).GetProperty("access_token").GetString()!;
        using var refused = await fixture.RequestTokenAsync(assertion);
        using var kickoff = await fixture.Http.SendAsync(fixture.Kickoff(fixture.Server.BaseUri + "/$export?_type=Nope", token));

        var entries = fixture.Logs.Entries.ToList();
        Assert.Contains(entries, e => e.EventId == 1 && e.Message.Contains(fixture.Server.BaseUri.ToString(), StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId == 10 && e.Message.Contains(fixture.RsaClientId, StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId == 11 && e.Message.Contains("jti", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId == 30 && e.Message.Contains("Nope", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Message.Contains(token, StringComparison.Ordinal) || e.Message.Contains(assertion.Split('.')[2], StringComparison.Ordinal));
    }
}
