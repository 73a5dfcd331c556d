using System.Diagnostics;
using System.Text.Json;
using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;
using Xunit.Abstractions;

namespace FhirBulk.IntegrationTests.Export;

/// <summary>A real <c>kill -9</c> of an exporting child process at random points, then resume: nothing lost, nothing fetched twice.</summary>
public class KillResumeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ServerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ServerHarness.StartAsync(o => o.Patients = 40);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task ExportChild_KilledAtRandomPointsAndACompleteFileDamaged_ResumesToIdenticalFilesRefetchingOnlyTheDamagedOne()
    {
        var expectedDirectory = _harness.NewDirectory();
        using (var client = _harness.CreateClient())
        {
            await client.ExportToDirectoryAsync(new ExportRequest(), expectedDirectory);
        }

        var expected = ServerHarness.DataFiles(expectedDirectory);

        // Slow the files down so kills land mid-poll and mid-download.
        var baseUri = _harness.Server.BaseUriWithFaults(new FaultOptions { ExportDurationSeconds = 0.5, TrickleBytesPerSecond = 600_000 });
        var keyFile = Path.Combine(_harness.NewDirectory(), "key.jwk");
        Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
        await File.WriteAllTextAsync(keyFile, _harness.Key.ToPrivateJwk());
        var directory = _harness.NewDirectory();
        var random = new Random(Environment.TickCount);
        var kills = 0;
        string? damaged = null;
        for (var run = 0; run < 12; run++)
        {
            using var child = StartChild(baseUri, keyFile, directory);
            var killAfter = TimeSpan.FromMilliseconds(random.Next(150, 900));
            var exited = child.WaitForExit(killAfter);
            if (!exited && run < 11)
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
                kills++;
                output.WriteLine($"run {run}: killed after {killAfter.TotalMilliseconds} ms");
                damaged ??= DamageACompleteFile(directory);
                continue;
            }

            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine(File.ReadAllText(Path.Combine(directory, "log.ndjson")));
            Assert.True(child.ExitCode == 0, $"child exited {child.ExitCode}: {await child.StandardError.ReadToEndAsync()}");
            output.WriteLine($"run {run}: finished after {kills} kills: {await child.StandardOutput.ReadToEndAsync()}");
            break;
        }

        Assert.True(kills > 0, "the export finished before it could be killed once; slow it down");
        if (damaged is null)
        {
            // No file was complete at any kill: damage one of the finished export, and resume once more.
            damaged = DamageACompleteFile(directory);
            using var resume = StartChild(baseUri, keyFile, directory);
            await resume.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(resume.ExitCode == 0, $"resume exited {resume.ExitCode}: {await resume.StandardError.ReadToEndAsync()}");
        }

        Assert.NotNull(damaged);
        var actual = ServerHarness.DataFiles(directory);
        foreach (var name in expected.Keys.Union(actual.Keys).Where(n => expected.GetValueOrDefault(n) != actual.GetValueOrDefault(n)))
        {
            output.WriteLine($"differs: {name} expected {Size(expectedDirectory, name)} bytes, got {Size(directory, name)}");
        }

        Assert.Equal(expected, actual);
        Assert.Empty(Directory.EnumerateFiles(directory, "*.part", SearchOption.AllDirectories));
        AssertNoFileFetchedAfterItWasComplete(Path.Combine(directory, "log.ndjson"));
    }

    /// <summary>Cuts a file the state records as complete to half its size, as a disk or a user might; returns its name.</summary>
    private string? DamageACompleteFile(string directory)
    {
        var statePath = Path.Combine(directory, ".fhir-bulk-state.json");
        if (!File.Exists(statePath))
        {
            return null;
        }

        using var state = JsonDocument.Parse(File.ReadAllText(statePath));
        var complete = state.RootElement.GetProperty("Files").EnumerateArray()
            .Where(f => f.GetProperty("Status").GetString() == "Complete")
            .Select(f => f.GetProperty("FileName").GetString()!)
            .FirstOrDefault(name => File.Exists(Path.Combine(directory, name)));
        if (complete is null)
        {
            return null;
        }

        var path = Path.Combine(directory, complete);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..(int)(new FileInfo(path).Length / 2)]);
        output.WriteLine($"truncated {complete}");
        return complete;
    }

    /// <summary>
    /// log.ndjson records each download request and completion across every run; a completed file is never requested again,
    /// unless a resume found it damaged (a <c>file_damaged</c> event) first.
    /// </summary>
    private static void AssertNoFileFetchedAfterItWasComplete(string logPath)
    {
        var complete = new HashSet<string>(StringComparer.Ordinal);
        var downloads = 0;
        foreach (var line in File.ReadLines(logPath).Where(l => l.Length > 0))
        {
            // A kill can land mid-line; the next run starts a fresh line, so only that fragment is unreadable.
            using var entry = TryParse(line);
            if (entry is null)
            {
                continue;
            }

            var eventId = entry.RootElement.GetProperty("eventId").GetString();
            if (eventId is not ("download_request" or "download_complete" or "file_damaged"))
            {
                continue;
            }

            var url = entry.RootElement.GetProperty("eventDetail").GetProperty("fileUrl").GetString()!;
            if (eventId == "file_damaged")
            {
                Assert.True(complete.Remove(url), $"{url} was reported damaged before it was complete");
                continue;
            }

            Assert.DoesNotContain(url, complete);
            if (eventId == "download_complete")
            {
                complete.Add(url);
                downloads++;
            }
        }

        Assert.True(downloads > 0);
    }

    private static long Size(string directory, string name) => File.Exists(Path.Combine(directory, name)) ? new FileInfo(Path.Combine(directory, name)).Length : -1;

    private static JsonDocument? TryParse(string line)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private Process StartChild(Uri baseUri, string keyFile, string directory)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", ChildAssembly(), baseUri.AbsoluteUri, _harness.ClientId, keyFile, directory })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static string ChildAssembly()
    {
        // tests/FhirBulk.IntegrationTests/bin/<Configuration>/net10.0 → tests/FhirBulk.ExportChild/bin/<Configuration>/net10.0
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = here.Parent!.Name;
        var tests = here.Parent.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(tests, "FhirBulk.ExportChild", "bin", configuration, here.Name, "FhirBulk.ExportChild.dll");
        Assert.True(File.Exists(path), $"{path} is missing; build tests/FhirBulk.ExportChild");
        return path;
    }
}
