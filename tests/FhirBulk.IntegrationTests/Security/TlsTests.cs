using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FhirBulk.Export;
using FhirBulk.Http;

namespace FhirBulk.IntegrationTests.Security;

/// <summary>TLS verification stays on: an untrusted certificate fails, a CA bundle is the only way to trust a private CA.</summary>
public sealed class TlsTests : IAsyncLifetime, IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate = CreateSelfSigned();
    private readonly string _bundle = Path.Combine(Path.GetTempPath(), $"fhirbulk-ca-{Guid.NewGuid():N}.pem");
    private readonly CancellationTokenSource _stop = new();
    private Task? _serving;

    private Uri BaseUri => new($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/fhir");

    public Task InitializeAsync()
    {
        File.WriteAllText(_bundle, _certificate.ExportCertificatePem());
        _listener.Start();
        _serving = ServeAsync();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await (_serving ?? Task.CompletedTask).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public void Dispose()
    {
        _stop.Dispose();
        _certificate.Dispose();
        File.Delete(_bundle);
    }

    [Fact]
    public async Task GetCapabilityStatement_UntrustedCertificate_FailsWithoutRetrying()
    {
        using var client = new BulkDataClient(BaseUri);

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => client.GetCapabilityStatementAsync());

        Assert.False(error.IsTransient);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task GetCapabilityStatement_CaBundleTrustingTheCertificate_Succeeds()
    {
        using var client = new BulkDataClient(BaseUri, new BulkDataClientOptions { CaBundlePath = _bundle });

        var capability = await client.GetCapabilityStatementAsync();

        Assert.Equal("CapabilityStatement", capability.GetProperty("resourceType").GetString());
    }

    [Fact]
    public void BulkDataClientOptions_Any_HasNoSwitchToTurnVerificationOff()
    {
        var names = typeof(BulkDataClientOptions).GetProperties().Select(p => p.Name).ToList();
        Assert.DoesNotContain(names, n => n.Contains("Insecure", StringComparison.OrdinalIgnoreCase)
            || n.Contains("Skip", StringComparison.OrdinalIgnoreCase)
            || n.Contains("Verif", StringComparison.OrdinalIgnoreCase)
            || n.Contains("Certificate", StringComparison.OrdinalIgnoreCase)
            || n.Contains("Ssl", StringComparison.OrdinalIgnoreCase));
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=fhirbulk-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var connection = await _listener.AcceptTcpClientAsync(_stop.Token);
            await using var tls = new SslStream(connection.GetStream());
            try
            {
                await tls.AuthenticateAsServerAsync(_certificate);
                var buffer = new byte[4096];
                var request = new StringBuilder();
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await tls.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                var body = """{"resourceType":"CapabilityStatement","fhirVersion":"4.0.1"}""";
                await tls.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), _stop.Token);
            }
            catch (Exception exception) when (exception is IOException or System.Security.Authentication.AuthenticationException)
            {
                // The client refused the certificate: that is the point of one of the tests.
            }
        }
    }
}
