using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary><c>fhir-bulk sync</c> in a non-terminal console against an embedded server whose data advances.</summary>
public sealed class SyncCommandTests : IDisposable
{
    private const string PatientsView = """
        {"resourceType": "ViewDefinition", "name": "patients", "resource": "Patient", "status": "active",
         "select": [{"column": [{"name": "id", "path": "id"}, {"name": "gender", "path": "gender"}]}]}
        """;

    private const string ConditionsView = """
        {"resourceType": "ViewDefinition", "name": "conditions", "resource": "Condition", "status": "active",
         "select": [{"column": [{"name": "id", "path": "id"}, {"name": "patient", "path": "subject.reference"}, {"name": "abated", "path": "abatement.exists()"}]}]}
        """;

    private readonly TempFolder temp = new();

    [Fact]
    public async Task Sync_FirstThenLaterRunsFromTheFolderAlone_IncrementsTablesAndTheRebuildAnnounced()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 10, Seed = 5, Steps = 0, RequireAuth = false });
        var views = Directory.CreateDirectory(temp.File("views")).FullName;
        File.WriteAllText(Path.Combine(views, "patients.json"), PatientsView);
        var folder = temp.File("mart");

        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", views]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("Increment 1 (increments/0001)", first.Output, StringComparison.Ordinal);
        Assert.Matches(@"│ patients +│ +10 │", first.Output);
        Assert.Contains("the next sync exports changes since 2026-01-01T00:00:00.000Z", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", first.Output, StringComparison.Ordinal);

        await server.AdvanceAsync();
        var second = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", views, "--json"]);
        Assert.True(second.ExitCode == 0, second.ToString());
        using (var summary = JsonDocument.Parse(second.Output))
        {
            Assert.Equal(2, summary.RootElement.GetProperty("increment").GetInt32());
            Assert.Equal("2026-01-08T00:00:00.000Z", summary.RootElement.GetProperty("transactionTime").GetString());
            Assert.True(summary.RootElement.GetProperty("tables").GetProperty("patients").GetInt64() > 10);
        }

        File.WriteAllText(Path.Combine(views, "conditions.json"), ConditionsView);
        var third = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", views]);
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains("note: the view definitions changed since the last sync: the tables were rebuilt from all 3 increments.", third.Error, StringComparison.Ordinal);
        Assert.Matches(@"│ conditions +│ +[1-9]", third.Output);
    }

    [Fact]
    public async Task Sync_AnotherRequestThanTheFolderRecorded_RefusedWithExit3()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 5, Seed = 5, Steps = 0, RequireAuth = false });
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File("mart");
        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view, "--type", "Patient"]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var other = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", view, "--type", "Patient,Condition"]);
        Assert.Equal(3, other.ExitCode);
        Assert.Contains("every increment must be exported alike", other.Error, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
