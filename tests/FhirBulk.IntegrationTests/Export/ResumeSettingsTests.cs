using FhirBulk.Auth;
using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;

namespace FhirBulk.IntegrationTests.Export;

/// <summary>What an export folder records for a resume from the folder alone, against the real server.</summary>
public sealed class ResumeSettingsTests : IAsyncLifetime
{
    /// <summary>How long a run goes on before it is stopped: the server still says 202, as the job runs for 30 s.</summary>
    private static readonly TimeSpan PollingFor = TimeSpan.FromMilliseconds(500);

    private ServerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task ResumeExport_WithAKeyFileAndOtherDownloadOptions_RecordsThemForTheNextResume()
    {
        var directory = _harness.NewDirectory();
        var keyFile = Path.Combine(_harness.NewDirectory(), "key.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
        await File.WriteAllTextAsync(keyFile, _harness.Key.ToPrivatePem());
        var slowJob = _harness.Server.BaseUriWithFaults(new FaultOptions { ExportDurationSeconds = 30 });
        using var exporter = _harness.CreateClient(slowJob);
        using (var whilePolling = new CancellationTokenSource(PollingFor))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exporter.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient"] }, directory, null, whilePolling.Token));
        }

        var started = BulkDataClient.ReadExportSettings(directory);

        using var fileKey = ClientSigningKey.Load(keyFile, _harness.Key.KeyId);
        using var resumer = _harness.CreateClient(slowJob, o =>
        {
            o.Credentials = new BulkDataCredentials(_harness.ClientId, fileKey);
            o.MaxParallelDownloads = 2;
            o.CompressOutput = true;
        });
        using (var whilePolling = new CancellationTokenSource(PollingFor))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resumer.ResumeExportAsync(directory, null, whilePolling.Token));
        }

        var resumed = BulkDataClient.ReadExportSettings(directory);
        await resumer.CancelExportAsync(directory);

        Assert.Equal((true, (string?)null, 4, false), (started.SigningKeyFromText, started.SigningKeyPath, started.MaxParallelDownloads, started.CompressOutput));
        Assert.Equal((false, keyFile, _harness.Key.KeyId, 2), (resumed.SigningKeyFromText, resumed.SigningKeyPath, resumed.SigningKeyId, resumed.MaxParallelDownloads));
        Assert.False(resumed.CompressOutput);
    }
}
