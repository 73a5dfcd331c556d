using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Sync;

namespace FhirBulk.IntegrationTests.Sync;

/// <summary>What one increment costs beyond its own export and rows: nothing is rewritten, read or waited for that it does not need.</summary>
public class SyncCostTests
{
    private static Task<ServerHarness> StartAsync() =>
        ServerHarness.StartAsync(o =>
        {
            o.Patients = 20;
            o.Seed = 3;
            o.Steps = 0;
        });

    [Fact]
    public async Task Sync_LaterIncrement_SyncStateNotRewrittenBeforeItsExportRecordsIt()
    {
        await using var harness = await StartAsync();
        using var client = harness.CreateClient();
        var directory = harness.NewDirectory();
        var views = SyncViews.FromJson(SyncTests.Views);
        await new FhirSync(client).SyncAsync(directory, new ExportRequest(), views);
        await harness.Server.AdvanceAsync();
        var statePath = Path.Combine(directory, "sync.json");
        var before = File.GetLastWriteTimeUtc(statePath);
        await Task.Delay(50);
        DateTime? atKickOff = null;

        await new FhirSync(client).SyncAsync(directory, null, views, new Callback(p => atKickOff ??= p.Phase == ExportPhase.KickedOff ? File.GetLastWriteTimeUtc(statePath) : null));

        Assert.Equal(before, atKickOff);
    }

    private sealed class Callback(Action<ExportProgress> report) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value) => report(value);
    }
}
