using FhirBulk.Cli.Tests.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>Waits and stalls as the user sees them, each against a server of its own (faults and a stop must not touch other tests).</summary>
public sealed class ExportWaitTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Export_StatusPoll429WithRetryAfter6_OneNoteNamingThePoll429AndTheWait()
    {
        // Seed 9 makes the first status poll of this server's first job a 429 and the second not (the decisions are a fixed hash).
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions
        {
            Patients = 4,
            RequireAuth = false,
            Faults = new FaultOptions { Seed = 9, StatusTooManyRequestsRate = 0.5, RetryAfterSeconds = 6 },
        });

        var result = await new CliRunner().RunAsync("export", "--server", server.BaseUri.ToString(), "--type", "Patient", "--out", temp.File("throttled"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var notes = result.Error.Split('\n').Where(l => l.StartsWith("note:", StringComparison.Ordinal)).ToList();
        var note = Assert.Single(notes);
        Assert.Matches(@"^note: status poll \(http://\S+\) answered 429\b.*; waiting 6(\.0)? s as the server asked \(Retry-After\)", note);
    }

    [Fact]
    public async Task Export_ServerStoppedMidExport_Exit5WithCompletedFilesAndResumeHint()
    {
        var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 40, ResourcesPerFile = 250, RequireAuth = false });
        await using var _ = server;
        var slow = server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 200_000 }).ToString();
        var output = temp.File("stopped");
        var stopped = new TaskCompletionSource<(System.Diagnostics.Stopwatch Clock, Task Stopping)>();

        // The stop is timed on a thread of its own: the downloads keep the thread pool busy, so a test continuation could come
        // only after the export is over.
        var stopper = new Thread(() =>
        {
            var deadline = DateTime.UtcNow.AddMinutes(1);
            // Downloads write .part files; two seconds into them the small ones are complete and the large ones are not.
            while (!(Directory.Exists(output) && Directory.GetFiles(output, "*.part").Length > 0) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }

            Thread.Sleep(TimeSpan.FromSeconds(2));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // Not awaited here: a graceful stop waits for the downloads in flight, which are what must be cut short.
            stopped.SetResult((clock, server.DisposeAsync().AsTask()));
        });
        stopper.Start();

        var result = await new CliRunner().RunAsync("export", "--server", slow, "--out", output, "--parallel", "2", "--stall-timeout", "3s");
        var (sinceStop, stopping) = await stopped.Task;
        await stopping;

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.True(sinceStop.Elapsed < TimeSpan.FromSeconds(40), $"took {sinceStop.Elapsed} after the server stopped\n{result}");
        Assert.Matches(@"error: .*\d+ (is|are) complete \(", result.Error);
        Assert.Contains($"fhir-bulk export --resume {output}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_MaxWait6sAndRetryAfter1000_WaitsOnlyTheRestOfTheBudgetThenNamesMaxWait()
    {
        await using var server = await StartAlways429Async(retryAfterSeconds: 1000);
        var output = temp.File("budget");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await new CliRunner().AsPipe().RunAsync("export", "--server", server.BaseUri.ToString(), "--type", "Patient", "--out", output, "--max-wait", "6s");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}: a wait outlasted --max-wait\n{result}");
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var note = Assert.Single(lines, l => l.StartsWith("note:", StringComparison.Ordinal));
        Assert.Matches(@"answered 429\b.*; waiting \d(\.\d)? s \(the rest of the 6 s wait budget\) although the server asked for 1000 s \(Retry-After\); then it gives up \(--max-wait\)$", note);
        var error = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        // The time waited is measured, so a loaded machine can make it run past the budget by the last request's time.
        var gaveUp = System.Text.RegularExpressions.Regex.Match(error, @"^error: http://\S+ answered 429 Too Many Requests.*; gave up after (?<waited>\d+(\.\d)?) s of waiting \(--max-wait 6s\)$");
        Assert.True(gaveUp.Success, error);
        var waited = double.Parse(gaveUp.Groups["waited"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(waited, 6, 30);
        Assert.Contains($"fhir-bulk export --resume {output}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_StatusPollsAnswered429BeforeTheFirst202_PlainLineAtLeastEvery2sNamingThe429()
    {
        await using var server = await StartAlways429Async(retryAfterSeconds: 1);

        var (result, lines) = await new CliRunner().RunTimedAsync("export", "--server", server.BaseUri.ToString(), "--type", "Patient", "--out", temp.File("busy"), "--max-wait", "7s");

        Assert.True(result.ExitCode == 5, result.ToString());
        var waiting = lines.Where(l => l.Line.Contains("waiting for the server's answer", StringComparison.Ordinal)).ToList();
        Assert.True(waiting.Count >= 2, result.ToString());
        Assert.All(waiting, l => Assert.Matches(@"\d+ s elapsed \(last answer: 429 Too Many Requests", l.Line));
        var gaps = CliRunner.Gaps(lines);
        Assert.True(gaps.All(g => g < TimeSpan.FromSeconds(2.6)), $"gaps {string.Join(", ", gaps.Select(g => g.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}\n{result}");
    }

    [Fact]
    public async Task Export_FileAlways503WithRetryAfter6_OneNotePerRetryNamingUrlThenAnswerAndDownloadingState()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions
        {
            Patients = 4,
            RequireAuth = false,
            Faults = new FaultOptions { FileErrorRate = 1, RetryAfterSeconds = 6 },
        });

        var (result, lines) = await new CliRunner().RunTimedAsync("export", "--server", server.BaseUri.ToString(), "--type", "Patient", "--out", temp.File("failing"), "--retries", "1");

        Assert.True(result.ExitCode == 5, result.ToString());
        // --retries 1: one retry of the file's request, so one wait, not one per retry of a retry.
        var note = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("note:", StringComparison.Ordinal));
        Assert.Matches(@"^note: download of Patient\S*\.ndjson \(http://\S+\) answered 503\b.*; waiting 6(\.0)? s as the server asked \(Retry-After\)$", note);
        Assert.Matches(@"could not be downloaded \(first: Patient\S* http://\S+ answered 503", result.Error);

        // While the request is retried the export is downloading: no status line says the server is still working.
        var downloading = lines.SkipWhile(l => !l.Line.Contains("downloading 1 file", StringComparison.Ordinal)).ToList();
        Assert.True(downloading.Count > 1, result.ToString());
        Assert.DoesNotContain(downloading, l => l.Line.Contains("server working", StringComparison.Ordinal));
    }

    /// <summary>A server whose status endpoint answers every poll 429 with the given Retry-After.</summary>
    private static Task<BulkDataServer> StartAlways429Async(int retryAfterSeconds) => BulkDataServer.StartAsync(new BulkDataServerOptions
    {
        Patients = 4,
        RequireAuth = false,
        Faults = new FaultOptions { StatusTooManyRequestsRate = 1, RetryAfterSeconds = retryAfterSeconds },
    });

    public void Dispose() => temp.Dispose();
}
