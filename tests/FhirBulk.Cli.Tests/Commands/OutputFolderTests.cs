using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>Every command that writes a folder fails alike, in the user's terms, when --out cannot be one.</summary>
public sealed class OutputFolderTests : IDisposable
{
    private const string View = """
        {"resourceType": "ViewDefinition", "name": "patients", "resource": "Patient", "status": "active",
         "select": [{"column": [{"name": "id", "path": "id"}]}]}
        """;

    private readonly TempFolder temp = new();

    public static TheoryData<string> Commands => ["keygen", "demo", "sync", "export", "generate", "view"];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_OutIsAFile_Exit3SayingSoAndWhatToDo(string command)
    {
        var file = temp.Write("a-file", "{}\n");

        var result = await new CliRunner().AsPipe().RunAsync([command, .. Arguments(command), "--out", file]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"error: cannot create the folder {file} (--out): {file} exists and is a file, not a folder; give --out a folder you can write to.", result.Error, StringComparison.Ordinal);
        Assert.Equal("{}\n", File.ReadAllText(file));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_OutWhereTheSystemMakesNoFolder_Exit3InTheUsersTerms(string command)
    {
        if (!Directory.Exists("/proc/self"))
        {
            return; // Linux's /proc, where no folder can be made, is the example at hand; elsewhere there is none as sure.
        }

        var result = await new CliRunner().AsPipe().RunAsync([command, .. Arguments(command), "--out", "/proc/fhir-bulk-out"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("error: cannot create the folder /proc/fhir-bulk-out (--out): the system cannot make a folder there; give --out a folder you can write to.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_DuckDbOutIsAFileOfAnotherKind_Exit3NamingItNotItsStagedCopy()
    {
        var file = temp.Write("tables", "not a database\n");

        var result = await new CliRunner().AsPipe().RunAsync("view", "--input", SmallExport.Write(temp), "--view", temp.Write("patients.json", View), "--out", file);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"error: cannot write {file}: it exists and is not a DuckDB database (give a new file, or a DuckDB database to add the tables to)", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", result.Error, StringComparison.Ordinal);
        Assert.Equal("not a database\n", File.ReadAllText(file));
    }

    // What each needs besides --out; a server nothing listens on, as none is reached before the folder is made.
    private string[] Arguments(string command) => command switch
    {
        "sync" => ["--server", "http://127.0.0.1:9/fhir", "--view", temp.Write("patients.json", View)],
        "export" => ["--server", "http://127.0.0.1:9/fhir"],
        "generate" => ["--patients", "1"],
        "view" => ["--input", SmallExport.Write(temp), "--view", temp.Write("patients.json", View), "--format", "csv"],
        "demo" => ["--quiet"],
        _ => [],
    };

    public void Dispose() => temp.Dispose();
}
