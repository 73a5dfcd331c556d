using System.Collections.Concurrent;
using System.Security.Cryptography;
using FhirBulk.Auth;
using FhirBulk.Export;
using FhirBulk.Server;

namespace FhirBulk.IntegrationTests.Support;

/// <summary>The real embedded server on 127.0.0.1:0 with one registered client, and clients wired to record what they send.</summary>
public sealed class ServerHarness : IAsyncDisposable
{
    private readonly ConcurrentBag<string> _directories = [];

    private ServerHarness(BulkDataServer server, ClientSigningKey key, string clientId)
    {
        Server = server;
        Key = key;
        ClientId = clientId;
    }

    public BulkDataServer Server { get; }

    public ClientSigningKey Key { get; }

    public string ClientId { get; }

    /// <summary>Every bearer token any client of this harness sent, and where.</summary>
    public ConcurrentQueue<(Uri Url, string Token)> SentTokens { get; } = new();

    /// <summary>Every request any client of this harness sent.</summary>
    public ConcurrentQueue<(HttpMethod Method, Uri Url, string? Range)> Requests { get; } = new();

    /// <summary>Every response any client of this harness received: what it asked and how the body was encoded.</summary>
    public ConcurrentQueue<(Uri Url, string? AcceptEncoding, string? ContentEncoding)> Responses { get; } = new();

    /// <summary>Every client assertion sent to the token endpoint.</summary>
    public ConcurrentQueue<string> SentAssertions { get; } = new();

    public CollectingLoggerFactory Logs { get; } = new();

    public static BulkDataServerOptions DefaultOptions() => new() { Patients = 25, Seed = 11, ResourcesPerFile = 250 };

    public static async Task<ServerHarness> StartAsync(Action<BulkDataServerOptions>? configure = null)
    {
        var options = DefaultOptions();
        configure?.Invoke(options);
        var server = await BulkDataServer.StartAsync(options);
        var generated = KeyGenerator.Generate("ES384");
        var key = ClientSigningKey.FromPem(generated.PrivateKeyPem, generated.KeyId);
        return new ServerHarness(server, key, server.RegisterClient(generated.PublicJwks));
    }

    /// <summary>A client with short, bounded waits so fault tests finish in seconds.</summary>
    public BulkDataClient CreateClient(Uri? baseUri = null, Action<BulkDataClientOptions>? configure = null, bool withCredentials = true)
    {
        var options = new BulkDataClientOptions
        {
            HttpClient = new HttpClient(new RecordingHandler(this) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false } }),
            Credentials = withCredentials ? new BulkDataCredentials(ClientId, Key) : null,
            LoggerFactory = Logs,
            InitialRetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(100),
            MinPollInterval = TimeSpan.FromMilliseconds(20),
            MaxPollInterval = TimeSpan.FromMilliseconds(100),
            MaxRetries = 12,
            MaxReExports = 6,
        };
        configure?.Invoke(options);
        return new BulkDataClient(baseUri ?? Server.BaseUri, options);
    }

    public string NewDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "fhirbulk-it-" + Guid.NewGuid().ToString("N")[..12]);
        _directories.Add(path);
        return path;
    }

    /// <summary>SHA-256 of every data file (relative name → hash), the yardstick for "byte-identical".</summary>
    public static SortedDictionary<string, string> DataFiles(string directory) => new(
        Directory.EnumerateFiles(directory, "*.ndjson", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "log.ndjson")
            .ToDictionary(f => Path.GetRelativePath(directory, f).Replace('\\', '/'), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))),
        StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Key.Dispose();
        foreach (var directory in _directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold a file for a moment; the temp folder is cleaned by the OS later.
            }
        }
    }

    private sealed class RecordingHandler(ServerHarness harness) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            harness.Requests.Enqueue((request.Method, request.RequestUri!, request.Headers.Range?.ToString()));
            if (request.Headers.Authorization?.Parameter is { } token)
            {
                harness.SentTokens.Enqueue((request.RequestUri!, token));
            }

            if (request.Content is FormUrlEncodedContent form)
            {
                var fields = System.Web.HttpUtility.ParseQueryString(form.ReadAsStringAsync(cancellationToken).GetAwaiter().GetResult());
                if (fields["client_assertion"] is { } assertion)
                {
                    harness.SentAssertions.Enqueue(assertion);
                }
            }

            var response = await base.SendAsync(request, cancellationToken);
            harness.Responses.Enqueue((request.RequestUri!, request.Headers.AcceptEncoding.ToString() is { Length: > 0 } accept ? accept : null, response.Content.Headers.ContentEncoding.FirstOrDefault()));
            return response;
        }
    }
}
