using System.Diagnostics;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>The plain progress lines of view, demo and generate steps when output is not a terminal.</summary>
/// <remarks>
/// Timed alone: the stalled input blocks a thread-pool thread in a read, and beside the other test classes on a two-core
/// machine the pool grows too slowly for the two-second timer to be on time, which would measure the test run, not the CLI.
/// </remarks>
[Collection(TimedAlone.Name)]
public sealed class StepProgressLinesTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task View_StalledInput_NotATerminal_ProgressLinesAtMostTwoSecondsApart()
    {
        // A named pipe as the input file: the view reads the first lines, then waits 5 s on the writer with no update to report.
        var fifo = temp.File("slow.ndjson");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var patients = Enumerable.Range(1, 20).Select(i => $$"""{"resourceType":"Patient","id":"p{{i}}","gender":"female","birthDate":"1970-01-02"}""").ToList();
        var writer = Task.Factory.StartNew(
            () =>
            {
                using var stream = new StreamWriter(fifo);
                foreach (var line in patients.Take(10))
                {
                    stream.WriteLine(line);
                }

                stream.Flush();
                Thread.Sleep(TimeSpan.FromSeconds(5));
                foreach (var line in patients.Skip(10))
                {
                    stream.WriteLine(line);
                }
            },
            TaskCreationOptions.LongRunning);

        var (result, lines) = await new CliRunner().RunTimedAsync(
            "view", "--input", fifo, "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--format", "csv", "--out", temp.File("out"));
        await writer;

        Assert.True(result.ExitCode == 0, result.ToString());
        var start = lines.First(l => l.Line.StartsWith("Running 1 view ...", StringComparison.Ordinal)).At;
        var end = lines.First(l => l.Line.StartsWith("Running 1 view: ", StringComparison.Ordinal) && l.Line.EndsWith(" s)", StringComparison.Ordinal)).At;
        Assert.True(end - start > TimeSpan.FromSeconds(4), $"the view took {end - start}, too short to show anything\n{result}");
        var during = lines.Where(l => l.At >= start && l.At <= end).ToList();
        var gaps = CliRunner.Gaps(during);
        // 2 s promised; the margin is a loaded 2-core CI machine (2.53 s seen once while emulator tests ran beside it),
        // still well under the 5 s stall a missing progress line would show.
        Assert.True(gaps.Max() < TimeSpan.FromSeconds(3.5), $"longest gap {gaps.Max()}\n{result}");
    }

    public void Dispose() => temp.Dispose();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedAlone
{
    public const string Name = "timed alone";
}
