using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Export;

/// <summary>
/// A kick-off the server refuses (HTTP 400: a type it does not know) or never answers (nothing listens at the URL) starts
/// nothing: the folder is left as it was, with nothing in it that looks like an export to resume, and the corrected export
/// runs there without any clean-up.
/// </summary>
public class RefusedKickoffTests(BaselineFixture baseline) : IClassFixture<BaselineFixture>
{
    // A resource type of a later FHIR release: the client leaves it to the server, which refuses it with a 400.
    private static readonly ExportRequest Refused = new() { Types = ["InventoryItem"] };

    private ServerHarness Harness => baseline.Harness;

    [Fact]
    public async Task ExportToDirectory_KickoffRefused_LeavesNoStateNorLogAndTheCorrectedExportRunsWithNoHistory()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => client.ExportToDirectoryAsync(Refused, directory));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
        await AssertNothingKeptAndTheExportRunsAsync(client, directory);
    }

    [Fact]
    public async Task ExportToDirectory_KickoffRefusedOverACompleteExport_PreviousExportStaysInPlace()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        var transactionTime = BulkDataClient.ReadLastTransactionTime(directory);
        var log = File.ReadAllText(Path.Combine(directory, ExportFolderLayout.LogFileName));

        await Assert.ThrowsAsync<FhirBulkException>(() => client.ExportToDirectoryAsync(Refused, directory));

        // What --since auto reads, the files and their log are where they were; nothing was left under history/.
        Assert.NotNull(transactionTime);
        Assert.Equal(transactionTime, BulkDataClient.ReadLastTransactionTime(directory));
        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.Equal(log, File.ReadAllText(Path.Combine(directory, ExportFolderLayout.LogFileName)));
        Assert.True((await ExportFolderVerifier.VerifyAsync(directory)).IsIntact);
        Assert.False(Directory.Exists(Path.Combine(directory, ExportFolderLayout.HistoryFolderName)));

        // A complete export has nothing to carry on: what the CLI reads to offer `--resume` after a failure says so.
        Assert.False(BulkDataClient.ReadExportSettings(directory).KickedOff);
    }

    [Fact]
    public async Task ExportToStore_KickoffRefusedOverACompleteExport_PreviousObjectsBackAndNoLogOfTheRefusedOne()
    {
        // The store target writes its log again as its lock is released; a refused export must not leave one behind.
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        using var store = ObjectStore.Create(directory);
        await client.ExportToStoreAsync(new ExportRequest(), store);
        var before = ServerHarness.DataFiles(directory);
        var log = File.ReadAllText(Path.Combine(directory, ExportFolderLayout.LogFileName));

        await Assert.ThrowsAsync<FhirBulkException>(() => client.ExportToStoreAsync(Refused, store));

        Assert.Equal(before, ServerHarness.DataFiles(directory));
        Assert.Equal(log, File.ReadAllText(Path.Combine(directory, ExportFolderLayout.LogFileName)));
        Assert.NotNull(BulkDataClient.ReadLastTransactionTime(directory));
        Assert.DoesNotContain(await StoreNamesAsync(store), name => name.StartsWith(ExportFolderLayout.HistoryFolderName + "/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExportToDirectory_ServerUnreachable_LeavesNoStateAndTheExportWithTheRightServerRunsThereWithNoHistory()
    {
        // A mistyped --server: nothing listens there, so no kick-off was ever answered and nothing of any server's is in
        // the folder. A resume could only ask the dead URL again; the command with the right server must just run.
        using var wrong = Harness.CreateClient(UnusedServerUrl(), o => o.MaxRetries = 0);
        var directory = Harness.NewDirectory();

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => wrong.ExportToDirectoryAsync(new ExportRequest(), directory));

        Assert.True(error.IsTransient);
        using var right = Harness.CreateClient();
        await AssertNothingKeptAndTheExportRunsAsync(right, directory);
    }

    [Fact]
    public async Task ExportToDirectory_ServerUnreachableOverACompleteExport_PreviousExportStaysInPlaceForSinceAuto()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        var transactionTime = BulkDataClient.ReadLastTransactionTime(directory);
        using var wrong = Harness.CreateClient(UnusedServerUrl(), o => o.MaxRetries = 0);

        await Assert.ThrowsAsync<FhirBulkException>(() => wrong.ExportToDirectoryAsync(new ExportRequest(), directory));

        Assert.NotNull(transactionTime);
        Assert.Equal(transactionTime, BulkDataClient.ReadLastTransactionTime(directory));
        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.False(Directory.Exists(Path.Combine(directory, ExportFolderLayout.HistoryFolderName)));
        Assert.False(BulkDataClient.ReadExportSettings(directory).KickedOff);
    }

    /// <summary>
    /// The failed attempt left no state and no log (nothing reads as an export to resume), and <paramref name="client"/>'s
    /// export then runs in the folder as in a new one, with nothing moved to history/.
    /// </summary>
    private async Task AssertNothingKeptAndTheExportRunsAsync(BulkDataClient client, string directory)
    {
        Assert.False(File.Exists(Path.Combine(directory, ExportState.FileName)));
        Assert.False(File.Exists(Path.Combine(directory, ExportFolderLayout.LogFileName)));
        Assert.Throws<ExportFolderException>(() => BulkDataClient.ReadExportSettings(directory));

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.False(Directory.Exists(Path.Combine(directory, ExportFolderLayout.HistoryFolderName)));
    }

    /// <summary>A loopback URL nothing listens at: a port the OS just handed out and took back.</summary>
    private static Uri UnusedServerUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/fhir/");
    }

    private static async Task<List<string>> StoreNamesAsync(ObjectStore store)
    {
        List<string> names = [];
        await foreach (var stored in store.ListAsync(""))
        {
            names.Add(stored.Name);
        }

        return names;
    }
}
