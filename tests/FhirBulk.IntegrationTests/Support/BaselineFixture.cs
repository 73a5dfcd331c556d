using FhirBulk.Export;

namespace FhirBulk.IntegrationTests.Support;

/// <summary>One server per test class and the files of a fault-free Patient-level export from it.</summary>
public sealed class BaselineFixture : IAsyncLifetime
{
    public ServerHarness Harness { get; private set; } = null!;

    public SortedDictionary<string, string> Files { get; private set; } = null!;

    public ExportResult Result { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Harness = await ServerHarness.StartAsync();
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        Result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        Files = ServerHarness.DataFiles(directory);
    }

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}
