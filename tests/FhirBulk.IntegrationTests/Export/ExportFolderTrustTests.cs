using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;

namespace FhirBulk.IntegrationTests.Export;

/// <summary>
/// The export folder as a researcher relies on it: nothing lost, stale or mixed, against the real server (issue #9).
/// Every comparison is with the SHA-256 of the files of a clean, fault-free run.
/// </summary>
public class ExportFolderTrustTests(BaselineFixture baseline) : IClassFixture<BaselineFixture>
{
    private ServerHarness Harness => baseline.Harness;

    [Fact]
    public async Task Resume_CompleteFilesDeletedTruncatedAndAltered_FetchesThemAgainToCleanRunHashes()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        var names = baseline.Files.Keys.Take(3).ToArray();
        File.Delete(Path.Combine(directory, names[0]));
        var truncated = Path.Combine(directory, names[1]);
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..100]);
        var altered = Path.Combine(directory, names[2]);
        var bytes = File.ReadAllBytes(altered);
        bytes[^10] = bytes[^10] == (byte)'1' ? (byte)'2' : (byte)'1';
        File.WriteAllBytes(altered, bytes);

        var result = await client.ResumeExportAsync(directory);

        Assert.Equal(baseline.Files, DataFiles(directory));
        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(names.Order(StringComparer.Ordinal), result.Repaired.Select(r => r.FileName).Order(StringComparer.Ordinal));
        Assert.Equal("missing", result.Repaired.Single(r => r.FileName == names[0]).Problem);
        Assert.Contains("bytes on disk", result.Repaired.Single(r => r.FileName == names[1]).Problem, StringComparison.Ordinal);
        Assert.Contains("SHA-256", result.Repaired.Single(r => r.FileName == names[2]).Problem, StringComparison.Ordinal);
        Assert.True((await ExportFolderVerifier.VerifyAsync(directory)).IsIntact);
    }

    [Fact]
    public async Task Resume_OfAnExportCompleteAnHourAgo_DurationIsTheExportsOwnNotTheTimeSinceItStarted()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        var first = await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        var later = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1));
        using var resumer = Harness.CreateClient(configure: o => o.TimeProvider = later);

        var resumed = await resumer.ResumeExportAsync(directory);

        Assert.False(first.AlreadyComplete);
        Assert.True(resumed.AlreadyComplete);
        Assert.Equal(first.Duration, resumed.Duration);
        Assert.True(resumed.Duration < TimeSpan.FromMinutes(10), resumed.Duration.ToString());
    }

    [Fact]
    public async Task Resume_FileDeletedAgainAfterRepairsUsedTheReExportLimit_RepairedAgain()
    {
        // Each repair of a finished export needs a new job (the old one is deleted); the limit bounds one run, not the folder.
        using var client = Harness.CreateClient(configure: o => o.MaxReExports = 1);
        var directory = Harness.NewDirectory();
        await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        var name = baseline.Files.Keys.First();

        for (var repair = 0; repair < 3; repair++)
        {
            File.Delete(Path.Combine(directory, name));

            var result = await client.ResumeExportAsync(directory);

            Assert.Equal(ExportOutcome.Success, result.Outcome);
            Assert.Equal(name, Assert.Single(result.Repaired).FileName);
        }

        Assert.Equal(baseline.Files, DataFiles(directory));
    }

    [Fact]
    public async Task InspectWithVerify_IntactAndDamagedFolders_SameCountsAsReadingEveryLine()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        var intact = await ExportFolderInspector.InspectAsync(directory, verify: true);
        Assert.True(intact.Verification!.IsIntact);
        Assert.Equal((await ExportFolderInspector.InspectAsync(directory)).ResourcesByType, intact.ResourcesByType);

        var cut = Path.Combine(directory, baseline.Files.Keys.First());
        var lines = File.ReadAllLines(cut);
        File.WriteAllLines(cut, lines[..(lines.Length / 2)]);
        var damaged = await ExportFolderInspector.InspectAsync(directory, verify: true);

        Assert.Equal(baseline.Files.Keys.First(), Assert.Single(damaged.Verification!.Problems).FileName);
        Assert.Equal((await ExportFolderInspector.InspectAsync(directory)).ResourcesByType, damaged.ResourcesByType);
        Assert.NotEqual(intact.ResourcesByType, damaged.ResourcesByType);
    }

    [Fact]
    public async Task Resume_GzipFileAltered_CheckedByItsStoredHashAndFetchedAgain()
    {
        using var client = Harness.CreateClient(configure: o => o.CompressOutput = true);
        var directory = Harness.NewDirectory();
        var first = await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        var file = first.Files.First(f => f.Kind == ExportFileKind.Output);
        Assert.NotEqual(file.Sha256, file.StoredSha256);
        Assert.Equal(new FileInfo(Path.Combine(directory, file.FileName)).Length, file.StoredBytes);
        var path = Path.Combine(directory, file.FileName);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.False((await ExportFolderVerifier.VerifyAsync(directory)).IsIntact);

        var result = await client.ResumeExportAsync(directory);

        Assert.Equal(file.FileName, Assert.Single(result.Repaired).FileName);
        Assert.True((await ExportFolderVerifier.VerifyAsync(directory)).IsIntact);
        Assert.Equal(first.Files.Select(f => f.Sha256), result.Files.Select(f => f.Sha256));
    }

    [Fact]
    public async Task ExportToDirectory_ForeignNdjsonInFolder_RefusedBeforeKickoffAndFileUntouched()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        Directory.CreateDirectory(directory);
        var stale = Path.Combine(directory, "Patient.001.ndjson");
        File.WriteAllText(stale, """{"resourceType":"Patient","id":"stale"}""" + "\n");
        var kickoffsBefore = Kickoffs();

        var error = await Assert.ThrowsAsync<ExportFolderException>(() => client.ExportToDirectoryAsync(new ExportRequest(), directory));

        Assert.Contains("Patient.001.ndjson", error.Message, StringComparison.Ordinal);
        Assert.Contains("--force", error.Message, StringComparison.Ordinal);
        Assert.Equal(kickoffsBefore, Kickoffs());
        Assert.Equal("""{"resourceType":"Patient","id":"stale"}""" + "\n", File.ReadAllText(stale));
    }

    [Fact]
    public async Task ExportToDirectory_ForeignFilesMovedToHistory_FolderHoldsOnlyWhatTheServerSent()
    {
        using var client = Harness.CreateClient(configure: o => o.ForeignFiles = ForeignFilePolicy.MoveToHistory);
        var directory = Harness.NewDirectory();
        Directory.CreateDirectory(Path.Combine(directory, "error"));
        File.WriteAllText(Path.Combine(directory, "Patient.001.ndjson"), """{"resourceType":"Patient","id":"stale"}""" + "\n");
        File.WriteAllText(Path.Combine(directory, "Observation.ndjson"), """{"resourceType":"Observation","id":"stale"}""" + "\n");
        File.WriteAllText(Path.Combine(directory, "manifest.json"), "{}");
        File.WriteAllText(Path.Combine(directory, "error", "OperationOutcome.001.ndjson"), """{"resourceType":"OperationOutcome"}""" + "\n");

        await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(baseline.Files, DataFiles(directory));
        var history = Assert.Single(Directory.GetDirectories(Path.Combine(directory, "history")));
        Assert.True(File.Exists(Path.Combine(history, "Patient.001.ndjson")));
        Assert.True(File.Exists(Path.Combine(history, "Observation.ndjson")));
        Assert.True(File.Exists(Path.Combine(history, "manifest.json")));
        Assert.True(File.Exists(Path.Combine(history, "error", "OperationOutcome.001.ndjson")));
    }

    [Fact]
    public async Task ExportToDirectory_SecondExportWhileFirstRuns_RefusedAtOnceNamingTheHolderAndFirstCompletes()
    {
        var directory = Harness.NewDirectory();
        using var slow = Harness.CreateClient(Harness.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 400_000 }));
        using var other = Harness.CreateClient();
        var downloading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = slow.ExportToDirectoryAsync(new ExportRequest(), directory, new Progress<ExportProgress>(p =>
        {
            if (p.Phase == ExportPhase.Downloading)
            {
                downloading.TrySetResult();
            }
        }));
        await downloading.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var started = DateTime.UtcNow;
        var refused = await Assert.ThrowsAsync<ExportFolderException>(() => other.ExportToDirectoryAsync(new ExportRequest(), directory));
        var refusedResume = await Assert.ThrowsAsync<ExportFolderException>(() => slow.ResumeExportAsync(directory));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "a locked folder must be refused at once, not waited for");
        Assert.Contains($"process {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("in use", refusedResume.Message, StringComparison.Ordinal);
        Assert.False(first.IsCompleted, "the first export should still be downloading; slow the server down further");
        var result = await first;
        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(baseline.Files, DataFiles(directory));
    }

    [Fact]
    public async Task ExportToDirectory_ManifestCountDiffersFromFile_PartialNamingTypeFileExpectedAndFound()
    {
        using var client = Harness.CreateClient(Harness.Server.BaseUriWithFaults(new FaultOptions { MiscountRate = 1 }));
        var directory = Harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.PartialSuccess, result.Outcome);
        var mismatches = result.CountMismatches.ToList();
        Assert.Equal(result.Files.Count(f => f.Kind == ExportFileKind.Output), mismatches.Count);
        Assert.All(mismatches, m => Assert.Equal(m.Resources + 1, m.DeclaredCount));
        Assert.Equal(baseline.Files, DataFiles(directory));
    }

    [Fact]
    public async Task ExportToDirectory_FilesServedWithByteOrderMark_EveryResourceKeptAndSuccess()
    {
        using var client = Harness.CreateClient(Harness.Server.BaseUriWithFaults(new FaultOptions { BomFileRate = 1 }));
        var directory = Harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(baseline.Result.TotalResources, result.TotalResources);
        Assert.All(result.Files.Where(f => f.Kind == ExportFileKind.Output), f => Assert.Equal((f.DeclaredCount, 0L), (f.Resources, f.InvalidLines)));
        var first = result.Files.First(f => f.Kind == ExportFileKind.Output).FileName;
        Assert.Equal([0xEF, 0xBB, 0xBF], File.ReadAllBytes(Path.Combine(directory, first))[..3]);
    }

    [Fact]
    public async Task ExportToDirectory_GzipBodyCutAtFlushPoint_FetchedAgainToCleanRunHashes()
    {
        using var client = Harness.CreateClient(
            Harness.Server.BaseUriWithFaults(new FaultOptions { CutGzipRate = 1 }),
            o => o.TransferCompression = TransferCompression.Gzip);
        var directory = Harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(baseline.Files, DataFiles(directory));
    }

    [Theory]
    [InlineData("information")]
    [InlineData("warning")]
    public async Task ExportToDirectory_ErrorFileOfOnlyInformationOrWarnings_SuccessAndFileKept(string severity)
    {
        var faults = severity == "information" ? new FaultOptions { InformationFileRate = 1 } : new FaultOptions { WarningFileRate = 1 };
        using var client = Harness.CreateClient(Harness.Server.BaseUriWithFaults(faults));
        var directory = Harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        var errorFile = Assert.Single(result.Files, f => f.Kind == ExportFileKind.Error);
        Assert.True(File.Exists(Path.Combine(directory, errorFile.FileName)));
        Assert.StartsWith("error/", errorFile.FileName, StringComparison.Ordinal);
        Assert.Equal([severity], result.ServerIssues.Keys);
        Assert.Equal(baseline.Files, DataFiles(directory).Where(f => !f.Key.StartsWith("error/", StringComparison.Ordinal)).ToDictionary());
    }

    [Fact]
    public async Task ExportToDirectory_ErrorFileWithErrors_Partial()
    {
        using var client = Harness.CreateClient(Harness.Server.BaseUriWithFaults(new FaultOptions { FailedFileRate = 1, InformationFileRate = 1 }));
        var directory = Harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.PartialSuccess, result.Outcome);
        Assert.True(result.ServerIssues.GetValueOrDefault("error") > 0, string.Join(", ", result.ServerIssues));
        Assert.True(result.ServerIssues.GetValueOrDefault("information") > 0, string.Join(", ", result.ServerIssues));
    }

    [Theory]
    [InlineData("zeroed tail")]
    [InlineData("broken line")]
    public async Task Resume_PartFileDamagedAfterACrash_NotSplicedIntoTheFile(string damage)
    {
        var directory = Harness.NewDirectory();
        var slowServer = Harness.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 300_000 });
        using (var slow = Harness.CreateClient(slowServer))
        using (var stop = new CancellationTokenSource())
        {
            var parts = new Progress<ExportProgress>(p =>
            {
                if (p.File is { BytesDownloaded: > 40_000 })
                {
                    stop.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.ExportToDirectoryAsync(new ExportRequest(), directory, parts, stop.Token));
        }

        var part = Directory.EnumerateFiles(directory, "*.part").OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = File.ReadAllBytes(part);
        if (damage == "zeroed tail")
        {
            // What a power loss leaves: the file's length was extended but its last blocks never reached the disk.
            Array.Clear(bytes, bytes.Length - 4096, 4096);
        }
        else
        {
            // A control character is invalid anywhere in JSON, so the line it lands in is certainly broken.
            bytes[bytes.Length / 3] = 0x01;
        }

        File.WriteAllBytes(part, bytes);
        using var client = Harness.CreateClient(slowServer);

        var result = await client.ResumeExportAsync(directory);

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(baseline.Files, DataFiles(directory));
    }

    [Fact]
    public async Task ExportToDirectory_AfterAKickoffTheServerRefused_TheCorrectedExportRunsInTheSameFolder()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        await Assert.ThrowsAsync<FhirBulkException>(() => client.ExportToDirectoryAsync(new ExportRequest { Types = ["NotAType"] }, directory));

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(baseline.Files, DataFiles(directory));
    }

    [TmpfsFact]
    public async Task ExportToDirectory_DiskTooSmallForTheLog_FolderErrorNotAnIOException()
    {
        using var disk = Tmpfs.Mount(8 * 1024);
        using var client = Harness.CreateClient();

        var error = await Assert.ThrowsAsync<ExportFolderException>(() => client.ExportToDirectoryAsync(new ExportRequest(), Path.Combine(disk.Path, "export")));

        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", error.Message, StringComparison.Ordinal);
    }

    [TmpfsFact]
    public async Task ExportToDirectory_DiskFull_FolderErrorNamingFileAndFreeSpaceThenResumeByteIdenticalWithoutTemporaries()
    {
        var total = baseline.Result.Files.Sum(f => f.Bytes);
        using var disk = Tmpfs.Mount(total / 2);
        var directory = Path.Combine(disk.Path, "export");
        using var client = Harness.CreateClient();

        var error = await Assert.ThrowsAsync<ExportFolderException>(() => client.ExportToDirectoryAsync(new ExportRequest(), directory));

        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Contains("free on that disk", error.Message, StringComparison.Ordinal);
        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
        Assert.True(error.IsWriteFailure);
        Assert.Empty(Directory.EnumerateFiles(directory, "*.tmp", SearchOption.AllDirectories));

        disk.Resize(total * 4);
        using var again = Harness.CreateClient();
        var result = await again.ResumeExportAsync(directory);

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(baseline.Files, DataFiles(directory));
        Assert.Empty(Directory.EnumerateFiles(directory, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(directory, "*.part", SearchOption.AllDirectories));
    }

    [TmpfsFact]
    public async Task ExportCli_DiskFull_Exit3WithTheResumeCommandThatThenCompletesIt()
    {
        var total = baseline.Result.Files.Sum(f => f.Bytes);
        using var disk = Tmpfs.Mount(total / 2);
        var directory = Path.Combine(disk.Path, "export");
        var options = ServerHarness.DefaultOptions();
        options.RequireAuth = false;
        await using var server = await BulkDataServer.StartAsync(options);

        var full = await CliProcess.RunAsync([], "export", "--server", server.BaseUri.ToString(), "--out", directory);

        Assert.True(full.ExitCode == 3, full.Output);
        Assert.Contains("No space left on device", full.Output, StringComparison.Ordinal);
        Assert.Contains($"To carry on, run:\n  fhir-bulk export --resume {directory}", full.Output, StringComparison.Ordinal);
        disk.Resize(total * 4);
        var resumed = await CliProcess.RunAsync([], "export", "--resume", directory);
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Equal(baseline.Files, DataFiles(directory));
    }

    private int Kickoffs() => Harness.Requests.Count(r => r.Url.AbsolutePath.EndsWith("$export", StringComparison.Ordinal));

    /// <summary>The data files, leaving out what was moved under history/.</summary>
    private static SortedDictionary<string, string> DataFiles(string directory) =>
        new(ServerHarness.DataFiles(directory).Where(f => !f.Key.StartsWith("history/", StringComparison.Ordinal)).ToDictionary(f => f.Key, f => f.Value), StringComparer.Ordinal);
}
