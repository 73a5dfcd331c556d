using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
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

        var (result, timed) = await new CliRunner().RunTimedAsync(
            "view", "--input", fifo, "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--format", "csv", "--out", temp.File("out"));
        await writer;

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = timed.ToList();
        var startLine = lines.FindIndex(l => l.Line.StartsWith("Running 1 view ...", StringComparison.Ordinal));
        var doneLine = lines.FindIndex(l => l.Line.StartsWith("Running 1 view: ", StringComparison.Ordinal) && l.Line.EndsWith(" s)", StringComparison.Ordinal));
        Assert.True(startLine >= 0 && doneLine > startLine, result.ToString());
        // The step's length as the command timed it: when a line is seen here depends on this poller getting a core, and a
        // loaded machine once held it back 2 s, so that the start line seemed to come 2 s late.
        var took = double.Parse(Regex.Match(lines[doneLine].Line, @"\(([0-9.]+) s\)$").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(took > 4, $"the view took {took} s, too short to show anything\n{result}");
        var during = lines[startLine..(doneLine + 1)];
        // Over a 5 s stall, a line at least every 2 s is at least two lines between the start and the end, however late they were seen.
        Assert.True(during.Count - 2 >= 2, $"{during.Count - 2} progress lines in {took} s\n{result}");
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
