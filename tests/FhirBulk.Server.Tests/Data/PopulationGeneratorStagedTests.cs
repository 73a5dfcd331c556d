using FhirBulk.Server.Data;

namespace FhirBulk.Server.Tests.Data;

/// <summary>
/// <see cref="PopulationGenerator.GenerateStagedAsync"/>: a population is written into <c>.NAME.unfinished</c> beside the
/// folder and moved into place whole, so that no reader takes part of one for a whole one.
/// </summary>
public sealed class PopulationGeneratorStagedTests : IDisposable
{
    private static readonly PopulationOptions Small = new() { Patients = 3, Seed = 4 };

    private readonly string root = Directory.CreateTempSubdirectory("fhirbulk-staged-").FullName;

    private string Folder => Path.Combine(root, "pop");

    private string Staging => Path.Combine(root, ".pop.unfinished");

    private static Dictionary<string, byte[]> Contents(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes, StringComparer.Ordinal);

    [Fact]
    public async Task GenerateStagedAsync_NewFolder_ThePopulationGenerateAsyncWritesAndNoStagingFolder()
    {
        var direct = Path.Combine(root, "direct");
        await PopulationGenerator.GenerateAsync(direct, Small);

        var summary = await PopulationGenerator.GenerateStagedAsync(Folder, Small);

        Assert.Equal(Contents(direct), Contents(Folder));
        Assert.Equal(new[] { direct, Folder }.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(root).Order(StringComparer.Ordinal));
        Assert.All(summary.Files, f => Assert.True(File.Exists(Path.Combine(Folder, f)), f));
    }

    [Fact]
    public async Task GenerateStagedAsync_Steps_TheTimelineAndItsStepsMoveWithThePopulation()
    {
        await PopulationGenerator.GenerateStagedAsync(Folder, Small, steps: 2);

        Assert.True(File.Exists(Path.Combine(Folder, PopulationGenerator.StepsFolder, "timeline.json")));
        Assert.True(Directory.Exists(Path.Combine(Folder, PopulationGenerator.StepsFolder, "0002")));
        Assert.False(Directory.Exists(Staging));
    }

    [Fact]
    public async Task GenerateStagedAsync_NoSteps_NoTimeline()
    {
        await PopulationGenerator.GenerateStagedAsync(Folder, Small);

        Assert.False(Directory.Exists(Path.Combine(Folder, PopulationGenerator.StepsFolder)));
    }

    [Fact]
    public async Task GenerateStagedAsync_ExistingEmptyFolder_KeepsThatFolderAndFillsIt()
    {
        // The caller's folder (perhaps a shell's current one) stays the same folder: its own mode, unlike a new one's, shows it.
        Directory.CreateDirectory(Folder);
        const UnixFileMode Own = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Folder, Own);
        }

        await PopulationGenerator.GenerateStagedAsync(Folder, Small, steps: 1);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(Own, File.GetUnixFileMode(Folder));
        }

        Assert.True(File.Exists(Path.Combine(Folder, "Patient.000.ndjson")));
        Assert.True(Directory.Exists(Path.Combine(Folder, PopulationGenerator.StepsFolder, "0001")));
        Assert.Equal(new[] { Folder }, Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public async Task GenerateStagedAsync_AStagingFolderAKilledRunLeft_IsReplacedAndNothingOfItRemains()
    {
        Directory.CreateDirectory(Path.Combine(Staging, PopulationGenerator.StepsFolder, "0001"));
        await File.WriteAllTextAsync(Path.Combine(Staging, "Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"torn\"}\n");
        await File.WriteAllTextAsync(Path.Combine(Staging, "Stray.000.ndjson"), "{}\n");

        await PopulationGenerator.GenerateStagedAsync(Folder, Small);

        Assert.Equal(new[] { Folder }, Directory.GetFileSystemEntries(root));
        Assert.DoesNotContain("torn", await File.ReadAllTextAsync(Path.Combine(Folder, "Patient.000.ndjson")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Folder, "Stray.000.ndjson")));
        Assert.False(Directory.Exists(Path.Combine(Folder, PopulationGenerator.StepsFolder)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GenerateStagedAsync_Cancelled_NoStagingFolderAndTheFolderAsItWas(bool folderExisted)
    {
        if (folderExisted)
        {
            Directory.CreateDirectory(Folder);
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PopulationGenerator.GenerateStagedAsync(Folder, Small, steps: 1, new CancellationToken(canceled: true)));

        Assert.Equal(folderExisted ? new[] { Folder } : [], Directory.GetFileSystemEntries(root));
        Assert.Empty(folderExisted ? Directory.GetFileSystemEntries(Folder) : []);
    }

    [Fact]
    public async Task GenerateStagedAsync_CancelledWhileWriting_TheFolderNeverAppearsAndNoStagingFolderRemains()
    {
        using var stop = new CancellationTokenSource();
        var running = PopulationGenerator.GenerateStagedAsync(Folder, new PopulationOptions { Patients = 50_000, Seed = 1 }, cancellationToken: stop.Token);
        var folderSeen = false;
        while (!running.IsCompleted && !File.Exists(Path.Combine(Staging, "Patient.000.ndjson")))
        {
            folderSeen |= Directory.Exists(Folder);
            await Task.Delay(5);
        }

        folderSeen |= Directory.Exists(Folder);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.False(folderSeen, "the folder appeared while the population was being written");
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public async Task GenerateStagedAsync_WhileAnotherIntoTheSameFolderRuns_RefusedWithoutTouchingItsStagingFolder()
    {
        // The second call used to delete the first's staging folder and write its own there, which the first could then
        // move into place as its own, whole-looking, and report success.
        using var stop = new CancellationTokenSource();
        var first = PopulationGenerator.GenerateStagedAsync(Folder, new PopulationOptions { Patients = 50_000, Seed = 1 }, cancellationToken: stop.Token);
        var patients = Path.Combine(Staging, "Patient.000.ndjson");
        while (!first.IsCompleted && !File.Exists(patients))
        {
            await Task.Delay(5);
        }

        var refused = await Assert.ThrowsAsync<IOException>(() => PopulationGenerator.GenerateStagedAsync(Folder, Small));

        Assert.Contains($"another generate into {Folder} is running", refused.Message, StringComparison.Ordinal);
        Assert.False(first.IsCompleted, "the first call ended before the second was refused");
        Assert.True(File.Exists(patients), "the second call touched the first's staging folder");
        Assert.False(Directory.Exists(Folder));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public async Task GenerateStagedAsync_TheLockFileOfAKilledRun_IsTakenAndRemoved()
    {
        // A killed process's lock is gone with it (the kernel drops it); only its file is left, which keeps nobody out.
        Directory.CreateDirectory(Staging);
        await File.WriteAllTextAsync(Staging + ".lock", "");

        await PopulationGenerator.GenerateStagedAsync(Folder, Small);

        Assert.Equal(new[] { Folder }, Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public async Task GenerateStagedAsync_FolderHoldingAFile_ArgumentExceptionAndNothingWritten()
    {
        var file = Path.Combine(Directory.CreateDirectory(Folder).FullName, "notes.txt");
        await File.WriteAllTextAsync(file, "mine");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => PopulationGenerator.GenerateStagedAsync(Folder, Small));

        Assert.Equal("outputDirectory", error.ParamName);
        Assert.StartsWith($"{Folder} is not empty", error.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { file }, Directory.GetFileSystemEntries(Folder));
        Assert.False(Directory.Exists(Staging));
    }

    [Fact]
    public async Task GenerateStagedAsync_AFileWhereTheFolderShouldBe_ArgumentExceptionAndNoStagingFolder()
    {
        await File.WriteAllTextAsync(Folder, "mine");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => PopulationGenerator.GenerateStagedAsync(Folder, Small));

        Assert.StartsWith($"{Folder} is a file, not a folder.", error.Message, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(Folder));
        Assert.False(Directory.Exists(Staging));
    }

    [Fact]
    public async Task GenerateStagedAsync_FoldersAboveMissing_CreatesThem()
    {
        var deep = Path.Combine(root, "a", "b", "pop");

        await PopulationGenerator.GenerateStagedAsync(deep, Small);

        Assert.True(File.Exists(Path.Combine(deep, "Patient.000.ndjson")));
        Assert.Equal(new[] { deep }, Directory.GetFileSystemEntries(Path.Combine(root, "a", "b")));
    }

    [Fact]
    public async Task GenerateStagedAsync_NegativeSteps_RefusedBeforeAnythingIsWritten()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => PopulationGenerator.GenerateStagedAsync(Folder, Small, steps: -1));

        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public void CanGenerateInto_AbsentOrEmptyFolder_TrueAndAFolderHoldingAnythingOrAFile_False()
    {
        Assert.True(PopulationGenerator.CanGenerateInto(Folder));
        Directory.CreateDirectory(Folder);
        Assert.True(PopulationGenerator.CanGenerateInto(Folder));
        Directory.CreateDirectory(Path.Combine(Folder, "sub"));
        Assert.False(PopulationGenerator.CanGenerateInto(Folder));
        var file = Path.Combine(root, "file");
        File.WriteAllText(file, "x");
        Assert.False(PopulationGenerator.CanGenerateInto(file));
    }

    [Fact]
    public void InterruptedStagingFor_MissingFolderWithItsStagingFolderBeside_TheStagingFolder()
    {
        Directory.CreateDirectory(Staging);

        Assert.Equal(Staging, PopulationGenerator.InterruptedStagingFor(Folder));
        Assert.Equal(Staging, PopulationGenerator.InterruptedStagingFor(Folder + Path.DirectorySeparatorChar));
    }

    [Fact]
    public void InterruptedStagingFor_FolderThereOrNoStagingFolder_Null()
    {
        Assert.Null(PopulationGenerator.InterruptedStagingFor(Folder));
        Directory.CreateDirectory(Staging);
        Directory.CreateDirectory(Folder);
        Assert.Null(PopulationGenerator.InterruptedStagingFor(Folder));
    }

    [Theory]
    [InlineData(".pop.unfinished", "pop")]
    [InlineData(".pop.unfinished/", "pop")]
    [InlineData("pop", null)]
    [InlineData(".unfinished", null)]
    [InlineData("pop.unfinished", null)]
    public void StagedFor_NamedAsAStagingFolder_TheFolderItWasFor(string name, string? expected)
    {
        Assert.Equal(expected is null ? null : Path.Combine(root, expected), PopulationGenerator.StagedFor(Path.Combine(root, name)));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
