using System.Text.RegularExpressions;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;

namespace FhirBulk.IntegrationTests.Views;

/// <summary>
/// <c>fhir-bulk view</c> on a disk that fills up, or that cannot be written at all, as a user runs it: one line naming the
/// output file asked for (never a temporary one) and why, in the words an export's full disk uses, exit 3, and no part of
/// the output left behind, in every format and in the folder, lake and one-file forms.
/// </summary>
public sealed class ViewWriteFailureTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("fhirbulk-view-write-").FullName;

    private string Input => Path.Combine(_work, "input");

    /// <summary>Format, --out on the disk, the view file (null: all the workshop's), and the file the error names (a pattern).</summary>
    public static TheoryData<string, string, string?, string> Outputs => new()
    {
        // A table's file, or the typed schema written beside it.
        { "csv", "out", null, @"out/\w+\.(csv|schema\.json)" },
        { "ndjson", "out", null, @"out/\w+\.(ndjson|schema\.json)" },
        { "parquet", "out", null, @"out/\w+/part-00000-\d{5}\.parquet" },
        { "duckdb", "views.duckdb", null, "views\\.duckdb" },
        { "csv", "one.csv", "encounters.json", "one\\.csv" },
        { "ndjson", "one.ndjson", "encounters.json", "one\\.ndjson" },
        { "parquet", "one.parquet", "encounters.json", "one\\.parquet" },
    };

    public Task InitializeAsync() => PopulationGenerator.GenerateAsync(Input, patients: 60, seed: 5);

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    [TmpfsTheory]
    [MemberData(nameof(Outputs))]
    public async Task View_DiskFills_Exit3NamingTheOutputFileAndFreeSpaceAndNothingLeftOnTheDisk(string format, string output, string? view, string named)
    {
        using var disk = Tmpfs.Mount(16 * 1024);

        var run = await RunAsync(disk, format, output, view);

        AssertOneLine(run, disk, named, "No space left on device");
        Assert.Empty(Directory.EnumerateFileSystemEntries(disk.Path));
    }

    [TmpfsTheory]
    [MemberData(nameof(Outputs))]
    public async Task View_ReadOnlyOutputFolder_Exit3NamingTheOutputFileAndTheFolderUntouched(string format, string output, string? view, string named)
    {
        using var disk = Tmpfs.Mount(1024 * 1024);
        // An existing --out folder (or the folder of a file), which the run may not make, only fill.
        Directory.CreateDirectory(Path.Combine(disk.Path, "out"));
        disk.MakeReadOnly();

        var run = await RunAsync(disk, format, output, view);

        AssertOneLine(run, disk, named, "Read-only file system");
        Assert.Equal([Path.Combine(disk.Path, "out")], Directory.EnumerateFileSystemEntries(disk.Path, "*", SearchOption.AllDirectories));
    }

    [TmpfsFact]
    public async Task View_OutFolderToMakeOnAReadOnlyDisk_Exit3SayingWhyInOneCleanLine()
    {
        using var disk = Tmpfs.Mount(1024 * 1024);
        disk.MakeReadOnly();

        var run = await RunAsync(disk, "csv", "new/tables", view: null);

        Assert.True(run.ExitCode == 3, run.Output);
        var error = Assert.Single(run.Output.Split('\n'), line => line.StartsWith("error:", StringComparison.Ordinal));
        // .NET's text ends "Read-only file system : 'PATH'", naming again the path the line has named.
        Assert.Equal($"error: cannot create the folder {Path.Combine(disk.Path, "new", "tables")} (--out): Read-only file system; give --out a folder you can write to.", error);
    }

    [TmpfsFact]
    public async Task View_LakeRerunFillsTheDiskPartWay_EarlierLakeByteIdenticalAndMergeComplete()
    {
        using var disk = await DiskWithALakeAsync();
        var lake = Path.Combine(disk.Path, "out");
        var before = Snapshot(disk.Path);
        var folders = Folders(disk.Path);
        // A bigger input cut into small parts: the disk has room for a few of them beside the earlier lake, not for all.
        var bigger = Path.Combine(_work, "bigger");
        await PopulationGenerator.GenerateAsync(bigger, patients: 200, seed: 6);
        var drive = new DriveInfo(disk.Path);
        disk.Resize(drive.TotalSize - drive.AvailableFreeSpace + (64 * 1024));

        var rerun = await CliProcess.RunAsync(
            [],
            "view", "--input", bigger, "--view", CliProcess.WorkshopViews, "--format", "parquet", "--out", lake, "--part-rows", "20", "--quiet");

        Assert.True(rerun.ExitCode == 3, rerun.Output);
        Assert.Contains("No space left on device", rerun.Output, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(disk.Path));
        Assert.Equal(folders, Folders(disk.Path));
        var merge = await CliProcess.RunAsync([], "view", "--merge", lake);
        Assert.True(merge.ExitCode == 0, merge.Output);
    }

    [TmpfsFact]
    public async Task View_LakeRerunOnAFullDisk_LeavesNoStagingFolder()
    {
        using var disk = await DiskWithALakeAsync();
        var lake = Path.Combine(disk.Path, "out");
        var folders = Folders(disk.Path);
        // No room for one more byte: the rerun makes its staging folder for the first part (a folder takes no space on a
        // tmpfs), then fails writing the part into it.
        var drive = new DriveInfo(disk.Path);
        disk.Resize(drive.TotalSize - drive.AvailableFreeSpace);

        var rerun = await RunAsync(disk, "parquet", "out", view: null);

        Assert.True(rerun.ExitCode == 3, rerun.Output);
        Assert.Equal(folders, Folders(disk.Path));
        Assert.False(Directory.Exists(Path.Combine(lake, "_staging")));
    }

    /// <summary>A disk of 8 MiB holding a lake of one run, in its folder <c>out</c>.</summary>
    private async Task<Tmpfs> DiskWithALakeAsync()
    {
        var disk = Tmpfs.Mount(8 * 1024 * 1024);
        try
        {
            var first = await RunAsync(disk, "parquet", "out", view: null);
            Assert.True(first.ExitCode == 0, first.Output);
            return disk;
        }
        catch
        {
            // The test's using never gets the disk: unmount it here.
            disk.Dispose();
            throw;
        }
    }

    /// <summary>Every file under the folder (hidden ones too) and its bytes.</summary>
    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    /// <summary>Every folder under the folder (a staging folder left empty too), in ordinal order.</summary>
    private static List<string> Folders(string folder) =>
        [.. Directory.GetDirectories(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private static void AssertOneLine((int ExitCode, string Output) run, Tmpfs disk, string named, string reason)
    {
        Assert.True(run.ExitCode == 3, run.Output);
        var error = Assert.Single(run.Output.Split('\n'), line => line.StartsWith("error:", StringComparison.Ordinal));
        // The free space is told only where it ran out: beside a read-only disk it does not matter.
        var free = reason.StartsWith("No space", StringComparison.Ordinal) ? @" \([^)]+ free on that disk\)" : "";
        Assert.Matches($@"^error: cannot write {Regex.Escape(disk.Path)}/{named}: {reason}{free}$", error);
        Assert.DoesNotContain(".tmp", run.Output, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> RunAsync(Tmpfs disk, string format, string output, string? view) =>
        CliProcess.RunAsync(
            [],
            "view", "--input", Input, "--view", view is null ? CliProcess.WorkshopViews : Path.Combine(CliProcess.WorkshopViews, view),
            "--format", format, "--out", Path.Combine(disk.Path, output), "--quiet");
}
