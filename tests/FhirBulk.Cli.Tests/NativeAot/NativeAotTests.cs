using System.Diagnostics;
using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.NativeAot;

/// <summary>
/// The Native AOT executable (what the linux-x64 tool package holds) run as a user runs it, against what the same commands
/// give under the JIT: Native AOT runs no code it did not see at build time, so reflection it could not follow (Firely's
/// model, System.Text.Json without a source-generated context, minimal APIs without the request delegate generator) fails
/// only there, at run time. Skipped, saying how to build it, when the executable is not there; <c>.ci/run</c> builds it.
/// </summary>
public sealed class NativeAotTests : IDisposable
{
    private readonly TempFolder temp = new();

    [NativeAotFact]
    public async Task Version_PrintsAndExitsZero()
    {
        var result = await RunAsync("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^\d+\.\d+", result.Output.Trim());
    }

    [NativeAotFact]
    public void Executable_IsLinkedAtAFixedAddress_SoNoStartFixesUpItsData()
    {
        // The ELF header's e_type, at byte 16, little-endian: 2 is an executable linked at a fixed address, 3 a
        // position-independent one, whose data every start relocates (FhirBulk.Cli.csproj says what that cost).
        using var file = File.OpenRead(NativeAotFactAttribute.Executable);
        var header = new byte[18];
        file.ReadExactly(header);

        Assert.True(header.AsSpan(0, 4).SequenceEqual((byte[])[0x7F, (byte)'E', (byte)'L', (byte)'F']), "not an ELF file");
        Assert.Equal(2, BitConverter.ToUInt16(header, 16));
    }

    [NativeAotFact(NeedsShared = "sql-on-fhir-v2/tests")]
    public async Task ViewTest_OfficialSuite_AllPassOnBothEngines()
    {
        var suite = Path.Combine(RepositoryPaths.Shared, "sql-on-fhir-v2", "tests");

        foreach (var engine in new[] { "json", "firely" })
        {
            var result = await RunAsync("view-test", suite, "--engine", engine, "--json");

            Assert.True(result.ExitCode == 0, $"--engine {engine}: {result}");
            var summary = JsonDocument.Parse(result.Output).RootElement;
            Assert.Equal(144, summary.GetProperty("passed").GetInt32());
            Assert.Equal(0, summary.GetProperty("failed").GetInt32());
        }
    }

    [NativeAotFact(NeedsShared = "fixtures/synthea-sample-10")]
    public async Task View_SyntheaSample_SameCsvAsTheJitOnBothEngines()
    {
        var views = Path.Combine(RepositoryPaths.Workshop, "views");

        foreach (var engine in new[] { "json", "firely" })
        {
            var jit = temp.File($"jit-{engine}");
            var aot = temp.File($"aot-{engine}");
            var expected = await new CliRunner().RunAsync("view", "--input", RepositoryPaths.SyntheaSample, "--view", views, "--engine", engine, "--format", "csv", "--out", jit);
            Assert.True(expected.ExitCode == 0, expected.ToString());

            var result = await RunAsync("view", "--input", RepositoryPaths.SyntheaSample, "--view", views, "--engine", engine, "--format", "csv", "--out", aot);

            Assert.True(result.ExitCode == 0, $"--engine {engine}: {result}");
            var files = Directory.GetFiles(jit).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(12, files.Count); // each view's CSV and its schema
            Assert.Equal(files, Directory.GetFiles(aot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            foreach (var file in files)
            {
                var jitBytes = await File.ReadAllBytesAsync(Path.Combine(jit, file!));
                var aotBytes = await File.ReadAllBytesAsync(Path.Combine(aot, file!));
                Assert.True(jitBytes.SequenceEqual(aotBytes), $"--engine {engine}: {file} differs between the JIT and the Native AOT executable");
            }
        }
    }

    [NativeAotFact]
    public async Task Demo_Json_ExportsBuildsTablesAndAnswers()
    {
        var result = await RunAsync("demo", "--patients", "30", "--out", temp.File("demo"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var answers = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(JsonValueKind.Object, answers.ValueKind);
        Assert.True(File.Exists(temp.File(Path.Combine("demo", "workshop.duckdb"))), result.ToString());
        Assert.True(File.Exists(temp.File(Path.Combine("demo", "top-conditions.png"))), result.ToString());
        Assert.NotEmpty(Directory.GetFiles(temp.File(Path.Combine("demo", "parquet")), "*.parquet"));
    }

    [NativeAotFact]
    public async Task DemoSync_Json_AppliesTwoIncrements()
    {
        var result = await RunAsync("demo", "--sync", "--patients", "30", "--out", temp.File("demo-sync"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(result.Output).RootElement.ValueKind);
    }

    [NativeAotFact]
    public async Task View_BrokenViewDefinition_NamesTheFileAndExitsAsTheJitDoes()
    {
        var view = temp.File("broken.json");
        await File.WriteAllTextAsync(view, """{"resourceType":"ViewDefinition","resource":"Patient","select":[{"column":[{"name":"id","path":"id.where("}]}]}""");
        var input = temp.File("input");
        Directory.CreateDirectory(input);
        await File.WriteAllTextAsync(Path.Combine(input, "Patient.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n");

        var expected = await new CliRunner().AsPipe().RunAsync("view", "--input", input, "--view", view, "--format", "csv", "--out", temp.File("jit"));
        var result = await RunAsync("view", "--input", input, "--view", view, "--format", "csv", "--out", temp.File("aot"));

        Assert.NotEqual(0, expected.ExitCode);
        Assert.Equal(expected.ExitCode, result.ExitCode);
        Assert.Contains("broken.json", result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();

    private static async Task<CliResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(NativeAotFactAttribute.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // As CliRunner does: no developer's profile file, and no FHIR_BULK_* setting of the machine, reaches the run.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("FHIR_BULK_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["FHIR_BULK_PROFILE_FILE"] = Path.Combine(Path.GetTempPath(), $"fhir-bulk-no-profile-{Guid.NewGuid():N}.json");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}

/// <summary>
/// A fact about the Native AOT executable: <c>FHIR_BULK_AOT</c> when set, else <c>artifacts/fhir-bulk-aot/fhir-bulk</c> under
/// the repository; reported as skipped, with the command that builds it, when it is not there, and likewise when the
/// material it <see cref="NeedsShared">needs</see> from ../shared is not.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NativeAotFactAttribute : FactAttribute
{
    private string? skip;

    public static string Executable { get; } =
        Environment.GetEnvironmentVariable("FHIR_BULK_AOT") is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(RepositoryPaths.Root, "artifacts", "fhir-bulk-aot", "fhir-bulk");

    /// <summary>A folder under ../shared the test reads, or <see langword="null"/>.</summary>
    public string? NeedsShared { get; set; }

    public override string? Skip
    {
        get => skip
            ?? (!File.Exists(Executable)
                ? $"no Native AOT executable at {Executable} (dotnet publish src/FhirBulk.Cli -c Release -r linux-x64 -p:PublishAot=true -o artifacts/fhir-bulk-aot; .ci/run does it)"
                : NeedsShared is { } needed && !Directory.Exists(Path.Combine(RepositoryPaths.Shared, needed))
                    ? $"{Path.Combine(RepositoryPaths.Shared, needed)} not found"
                    : null);
        set => skip = value;
    }
}
