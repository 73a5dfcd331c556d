using System.Net;
using System.Net.Sockets;
using FhirBulk.Auth;
using FhirBulk.Server;

namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>
/// The real embedded server on a loopback port, with a small generated population and one
/// registered client whose private key is in a file, as a user would have it after keygen.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly TempFolder temp = new();

    public BulkDataServer Server { get; private set; } = null!;

    public string BaseUrl => Server.BaseUri.ToString();

    public string ClientId { get; private set; } = null!;

    public string KeyFile => temp.File("private-key.pem");

    /// <summary>A URL where nothing listens: a port that was free a moment ago.</summary>
    public static string UnusedServerUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/fhir";
    }

    public string[] Credentials() => ["--server", BaseUrl, "--client-id", ClientId, "--key", KeyFile];

    public async Task InitializeAsync()
    {
        Server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 8, Seed = 3 });
        var pair = KeyGenerator.Generate("ES384");
        await File.WriteAllTextAsync(KeyFile, pair.PrivateKeyPem);
        ClientId = Server.RegisterClient(pair.PublicJwks);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        temp.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "embedded server";
}
