using System.Net;
using System.Net.Sockets;

namespace FhirBulk.Server.Tests.Hosting;

public class BulkDataServerTests
{
    [Fact]
    public async Task StartAsync_PortZero_LoopbackBaseUriWithFhirPath()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1 });
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/fhir$", server.BaseUri.ToString());
        Assert.Equal(new Uri(server.BaseUri, "/auth/token"), server.TokenEndpoint);
        Assert.NotEqual(server.BaseUri.Port, server.SecondOrigin.Port);
    }

    [Fact]
    public async Task StartAsync_ExplicitPort_ListensThere()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1, Port = port });
        Assert.Equal(port, server.BaseUri.Port);
    }

    [Fact]
    public async Task StopAsync_CalledTwice_StopsListening()
    {
        var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1 });
        var port = server.BaseUri.Port;
        await server.StopAsync();
        await server.StopAsync();
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port));
    }

    [Fact]
    public async Task StartAsync_GivenWorkDirectory_KeepsIt()
    {
        var work = Path.Combine(Path.GetTempPath(), "fhirbulk-work-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 2, WorkDirectory = work }))
            {
                Assert.True(File.Exists(Path.Combine(work, "data", "Patient.000.ndjson")));
                Assert.Equal(Path.Combine(work, "data"), server.DataDirectory);
            }

            Assert.True(Directory.Exists(work));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Theory]
    [InlineData(nameof(BulkDataServerOptions.Patients))]
    [InlineData(nameof(BulkDataServerOptions.ResourcesPerFile))]
    [InlineData(nameof(BulkDataServerOptions.Port))]
    [InlineData(nameof(BulkDataServerOptions.Faults))]
    [InlineData(nameof(BulkDataServerOptions.DataDirectory))]
    public async Task StartAsync_InvalidOption_ThrowsNamingIt(string option)
    {
        var options = new BulkDataServerOptions();
        switch (option)
        {
            case nameof(BulkDataServerOptions.Patients): options.Patients = 0; break;
            case nameof(BulkDataServerOptions.ResourcesPerFile): options.ResourcesPerFile = 0; break;
            case nameof(BulkDataServerOptions.Port): options.Port = 70000; break;
            case nameof(BulkDataServerOptions.Faults): options.Faults = new FaultOptions { FileErrorRate = 2 }; break;
            default: options.DataDirectory = "/no/such/folder"; break;
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => BulkDataServer.StartAsync(options));
        Assert.True(error is ArgumentException or DirectoryNotFoundException, error.GetType().Name);
        if (error is ArgumentException { ParamName: { } name } && option != nameof(BulkDataServerOptions.Faults))
        {
            Assert.Equal(option, name);
        }
    }

    [Fact]
    public async Task StartAsync_DataDirectoryIsAFile_SaysItIsAFileNotAFolder()
    {
        var file = Path.GetTempFileName();
        try
        {
            var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => BulkDataServer.StartAsync(new BulkDataServerOptions { DataDirectory = file }));

            Assert.Equal($"Data directory '{file}' is a file, not a folder.", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
