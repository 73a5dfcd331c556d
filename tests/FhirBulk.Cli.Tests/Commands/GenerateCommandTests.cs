using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Generate_Patients_TableOfCountsPerTypeAndFiles()
    {
        var result = await new CliRunner().RunAsync("generate", "--patients", "5", "--seed", "7", "--out", temp.File("a"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ Patient +│ +5 │", result.Output);
        Assert.True(File.Exists(temp.File("a/Patient.000.ndjson")));
    }

    [Fact]
    public async Task Generate_Help_NamesTheFilesItWrites()
    {
        var help = await new CliRunner().RunAsync("generate", "--help");
        await new CliRunner().RunAsync("generate", "-n", "2", "--out", temp.File("a"), "--json");

        var named = System.Text.RegularExpressions.Regex.Match(help.Output, @"<Type>(\.\d+\.ndjson)").Groups[1].Value;
        Assert.True(File.Exists(temp.File("a/Patient" + named)), $"help says <Type>{named}; wrote {string.Join(", ", Directory.GetFiles(temp.File("a")).Select(Path.GetFileName))}");
    }

    [Fact]
    public async Task Generate_IntoAFolderHoldingAnotherPopulation_Exit3AndTheFolderAsItWas()
    {
        var folder = temp.File("pop");
        await new CliRunner().RunAsync("generate", "-n", "3", "--seed", "1", "--steps", "1", "--out", folder, "--json");
        var before = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        var result = await new CliRunner().RunAsync("generate", "-n", "5", "--seed", "2", "--out", folder);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: {folder} is not empty: generate writes a whole population and would mix it with what is there; give a new or empty folder (--out).", result.Error.Trim());
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order());
        Assert.All(before, f => Assert.Equal(f.Value, File.ReadAllBytes(f.Key)));
    }

    [Fact]
    public async Task Generate_SameSeedTwice_SameBytes()
    {
        await new CliRunner().RunAsync("generate", "-n", "4", "--seed", "3", "--out", temp.File("a"), "--json");
        await new CliRunner().RunAsync("generate", "-n", "4", "--seed", "3", "--out", temp.File("b"), "--json");

        foreach (var file in Directory.GetFiles(temp.File("a")))
        {
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(Path.Combine(temp.File("b"), Path.GetFileName(file))));
        }
    }

    [Fact]
    public async Task Generate_Json_CountsAndBytes()
    {
        var result = await new CliRunner().RunAsync("generate", "-n", "3", "--out", temp.File("a"), "--json");

        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(3, json.GetProperty("resources").GetProperty("Patient").GetInt64());
        Assert.True(json.GetProperty("bytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Generate_Steps_WritesEachStepBesideTheDataAndATimeline()
    {
        var result = await new CliRunner().RunAsync("generate", "-n", "20", "--seed", "5", "--steps", "2", "--out", temp.File("a"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(Directory.Exists(temp.File("a/steps/0001")) && Directory.Exists(temp.File("a/steps/0002")), string.Join(", ", Directory.GetFileSystemEntries(temp.File("a"))));
        Assert.False(Directory.Exists(temp.File("a/steps/0003")));
        using var timeline = JsonDocument.Parse(await File.ReadAllBytesAsync(temp.File("a/steps/timeline.json")));
        Assert.Equal(20, timeline.RootElement.GetProperty("patients").GetInt32());
        Assert.Equal(5, timeline.RootElement.GetProperty("seed").GetInt32());
    }

    [Fact]
    public async Task Generate_Steps_SummarySaysHowManyStepsAndWhere()
    {
        var folder = temp.File("a");

        var result = await new CliRunner().AsPipe().RunAsync("generate", "-n", "3", "--steps", "4", "--out", folder, "--quiet");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal($"4 steps of change in {Path.Combine(folder, "steps")}{Path.DirectorySeparatorChar}", lines[^1]);
    }

    [Fact]
    public async Task Generate_StepsJson_StepsAndTheirFolder()
    {
        var folder = temp.File("a");

        var result = await new CliRunner().RunAsync("generate", "-n", "3", "--steps", "1", "--out", folder, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(1, json.GetProperty("steps").GetInt32());
        Assert.Equal(Path.Combine(folder, "steps"), json.GetProperty("stepsDirectory").GetString());
    }

    [Fact]
    public async Task Generate_NoSteps_NoStepsLineAndStepsZeroInJson()
    {
        var text = await new CliRunner().AsPipe().RunAsync("generate", "-n", "2", "--out", temp.File("a"), "--quiet");
        var json = await new CliRunner().RunAsync("generate", "-n", "2", "--out", temp.File("b"), "--json");

        Assert.DoesNotContain("steps of change", text.Output, StringComparison.Ordinal);
        var root = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal(0, root.GetProperty("steps").GetInt32());
        Assert.False(root.TryGetProperty("stepsDirectory", out _));
    }

    [Fact]
    public async Task Generate_StepsZero_StartsATimelineWithoutAnyStep()
    {
        var result = await new CliRunner().AsPipe().RunAsync("generate", "-n", "2", "--steps", "0", "--out", temp.File("a"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(temp.File("a/steps/timeline.json")));
        Assert.False(Directory.Exists(temp.File("a/steps/0001")));
        Assert.Contains($"0 steps of change in {temp.File("a/steps")}{Path.DirectorySeparatorChar}", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Generate_Cancelled_LeavesTheFolderAsItWasAndTheSameCommandRunsAgain(bool folderExisted)
    {
        var folder = temp.File("g");
        if (folderExisted)
        {
            Directory.CreateDirectory(folder);
        }

        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().AsPipe().StartAsync(stop.Token, "generate", "--patients", "20000", "--steps", "3", "--out", folder);
        await stop.CancelAsync();
        var cancelled = await running.Completion;

        Assert.True(cancelled.ExitCode == 130, cancelled.ToString());
        Assert.Equal(folderExisted ? new[] { folder } : Array.Empty<string>(), Directory.GetFileSystemEntries(temp.Path));
        Assert.Empty(folderExisted ? Directory.GetFileSystemEntries(folder) : Array.Empty<string>());
        var again = await new CliRunner().RunAsync("generate", "--patients", "3", "--steps", "1", "--out", folder, "--quiet");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.True(File.Exists(Path.Combine(folder, "Group.000.ndjson")));
        Assert.True(Directory.Exists(Path.Combine(folder, "steps", "0001")));
    }

    [Fact]
    public async Task Generate_CancelledBelowFoldersItMade_LeavesNoneOfThem()
    {
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().AsPipe().StartAsync(stop.Token, "generate", "--patients", "20000", "--out", temp.File("new/deep/g"));
        await stop.CancelAsync();
        var cancelled = await running.Completion;

        Assert.True(cancelled.ExitCode == 130, cancelled.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task Generate_BelowFoldersThatDoNotExist_MakesThemAndTheFolderHoldsThePopulation()
    {
        var result = await new CliRunner().RunAsync("generate", "--patients", "2", "--out", temp.File("new/deep/g"), "--quiet");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(temp.File("new/deep/g/Patient.000.ndjson")));
        Assert.Equal(new[] { temp.File("new/deep/g") }, Directory.GetFileSystemEntries(temp.File("new/deep")));
    }

    [Fact]
    public async Task Generate_IntoAnExistingEmptyFolder_KeepsThatFolderItself()
    {
        // The user's folder (perhaps their shell's current one) stays the same folder: its own mode shows it was not replaced.
        var folder = Directory.CreateDirectory(temp.File("mine")).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var result = await new CliRunner().RunAsync("generate", "--patients", "2", "--steps", "1", "--out", folder, "--quiet");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(folder, "Group.000.ndjson")));
        Assert.True(Directory.Exists(Path.Combine(folder, "steps", "0001")));
        Assert.Equal(new[] { folder }, Directory.GetFileSystemEntries(temp.Path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        }
    }

    [Fact]
    public async Task Generate_AfterAKilledRun_ReplacesItsUnfinishedFolderAndLeavesNoneBehind()
    {
        // What kill -9 leaves: the hidden staging folder beside --out, named as unfinished, with part of a population.
        var unfinished = Directory.CreateDirectory(temp.File(".g.unfinished")).FullName;
        await File.WriteAllTextAsync(Path.Combine(unfinished, "Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"torn\"}\n");
        Directory.CreateDirectory(Path.Combine(unfinished, "steps", "0001.partial"));

        var result = await new CliRunner().RunAsync("generate", "--patients", "3", "--out", temp.File("g"), "--quiet");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(new[] { temp.File("g") }, Directory.GetFileSystemEntries(temp.Path));
        Assert.DoesNotContain("torn", await File.ReadAllTextAsync(temp.File("g/Patient.000.ndjson")), StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("g/steps")));
    }

    [Fact]
    public async Task Generate_NegativeSteps_UsageErrorSayingSo()
    {
        var result = await new CliRunner().RunAsync("generate", "-n", "2", "--steps", "-1", "--out", temp.File("a"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--steps must be 0 or more, not -1.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_ZeroPatients_UsageError()
    {
        var result = await new CliRunner().RunAsync("generate", "-n", "0", "--out", temp.File("a"));

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task Generate_OutBelowAFile_OneLineNamingThePathAndWhatToDo()
    {
        var file = temp.Write("a-file", "x");
        var folder = Path.Combine(file, "x");

        var result = await new CliRunner().AsPipe().RunAsync("generate", "--patients", "2", "--out", folder);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: cannot create the folder {folder} (--out): {file} is a file, not a folder; give --out a folder you can write to.", result.Error.Trim());
    }

    public void Dispose() => temp.Dispose();
}
