using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Export;

/// <summary>
/// A kick-off the server refuses (HTTP 400: a type it does not know) starts nothing: the folder is left as it was, with
/// nothing in it that looks like an export to resume, and the corrected export runs there without any clean-up.
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
        Assert.False(File.Exists(Path.Combine(directory, ExportState.FileName)));
        Assert.False(File.Exists(Path.Combine(directory, ExportFolderLayout.LogFileName)));
        Assert.Throws<ExportFolderException>(() => BulkDataClient.ReadExportSettings(directory));

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.False(Directory.Exists(Path.Combine(directory, ExportFolderLayout.HistoryFolderName)));
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
