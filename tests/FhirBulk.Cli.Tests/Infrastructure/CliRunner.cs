using FhirBulk.Cli.Rendering;
using Spectre.Console.Testing;

namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>What a user saw after one run of fhir-bulk.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the real command tree in-process against Spectre test consoles and an environment
/// given by the test (never the machine's own FHIR_BULK_* variables or profile file).
/// </summary>
public sealed class CliRunner
{
    private readonly Dictionary<string, string> environment = new(StringComparer.Ordinal);

    public CliRunner()
    {
        // A profile file that does not exist, so a developer's own profiles never leak into a test.
        environment["FHIR_BULK_PROFILE_FILE"] = Path.Combine(Path.GetTempPath(), $"fhir-bulk-no-profile-{Guid.NewGuid():N}.json");
    }

    private bool live;
    private bool pipe;
    private int terminalWidth = 200;

    /// <summary>What commands streamed to stdout as bytes (<c>view --out -</c>).</summary>
    public MemoryStream StandardOutput { get; } = new();

    /// <summary>What commands read from stdin as bytes (<c>--input -</c>); empty unless given.</summary>
    public Stream StandardInput { get; private set; } = new MemoryStream();

    /// <summary>Gives the command <paramref name="bytes"/> on stdin.</summary>
    public CliRunner WithStandardInput(byte[] bytes) => WithStandardInput(new MemoryStream(bytes));

    /// <summary>Gives the command <paramref name="input"/> as stdin (one that stalls, for a command cancelled mid-input).</summary>
    public CliRunner WithStandardInput(Stream input)
    {
        StandardInput = input;
        return this;
    }

    /// <summary>Runs as on an interactive terminal: live progress bars instead of plain lines.</summary>
    public CliRunner AsTerminal()
    {
        live = true;
        return this;
    }

    /// <summary>Runs as on a terminal <paramref name="columns"/> wide (200 unless set), the width Spectre detects there.</summary>
    public CliRunner WithTerminalWidth(int columns)
    {
        terminalWidth = columns;
        return this;
    }

    /// <summary>
    /// Runs as when stdout and stderr are a pipe or a file: consoles 80 columns wide, as Spectre
    /// takes them there, then set up by the same code as Program.cs sets up the real ones.
    /// </summary>
    public CliRunner AsPipe()
    {
        pipe = true;
        return this;
    }

    public CliRunner WithEnvironment(string name, string value)
    {
        environment[name] = value;
        return this;
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    /// <summary>Runs a command that <paramref name="stop"/> cancels as Ctrl-C would.</summary>
    public Task<CliResult> RunAsync(CancellationToken stop, params string[] args)
    {
        var output = CreateConsole();
        if (live)
        {
            output.Interactive();
        }

        return RunAsync(output, stop, args);
    }

    /// <summary>
    /// Starts a long-running command (serve) and returns once its first output line is there;
    /// cancel <paramref name="stop"/> as Ctrl-C would, then await <see cref="Running.Completion"/>.
    /// </summary>
    public async Task<Running> StartAsync(CancellationToken stop, params string[] args)
    {
        var output = CreateConsole();
        var completion = Task.Run(() => RunAsync(output, stop, args));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!output.Output.Contains('\n', StringComparison.Ordinal) && !completion.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the command printed nothing within 60 s");
            await Task.Delay(20);
        }

        return new Running(output, completion);
    }

    private TestConsole CreateConsole()
    {
        if (!pipe)
        {
            return new TestConsole().Width(terminalWidth);
        }

        var console = new TestConsole().Width(80);
        ConsoleWidth.Fit(console, terminal: false, Environment);
        return console;
    }

    /// <summary>What a console of a command still running holds so far.</summary>
    /// <remarks>
    /// Spectre's TestConsole writes into a StringBuilder, which cannot be read while the command's thread appends to it
    /// (ToString then throws ArgumentOutOfRangeException): such a read is tried again.
    /// </remarks>
    public static string Peek(TestConsole console)
    {
        while (true)
        {
            try
            {
                return console.Output;
            }
            catch (ArgumentOutOfRangeException)
            {
                Thread.Yield();
            }
        }
    }

    private string? Environment(string name) => environment.TryGetValue(name, out var value) ? value : null;

    /// <summary>
    /// Runs to the end, noting when each stdout line appeared (polled every 20 ms), to check how often progress is printed.
    /// Each line also carries how long this process had stalled so far (<see cref="TimedLine.Stalled"/>): the polling loop's
    /// own overshoot, the same delay a timer in the command meets on a loaded machine.
    /// </summary>
    public async Task<(CliResult Result, IReadOnlyList<TimedLine> Lines)> RunTimedAsync(params string[] args)
    {
        var output = new TestConsole().Width(200);
        if (live)
        {
            output.Interactive();
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var completion = Task.Run(() => RunAsync(output, CancellationToken.None, args));
        var lines = new List<TimedLine>();
        var stalled = TimeSpan.Zero;
        var polled = clock.Elapsed;
        while (true)
        {
            var now = clock.Elapsed;
            // A 20 ms wait that took much longer is time the process could not run: CI runs test projects side by side on 2 cores.
            var overshoot = now - polled - TimeSpan.FromMilliseconds(100);
            if (overshoot > TimeSpan.Zero)
            {
                stalled += overshoot;
            }

            polled = now;
            var finished = completion.IsCompleted;
            var seen = Peek(output).Split('\n');
            // The last piece is a line still being written, unless the run is over.
            for (var i = lines.Count; i < seen.Length - (finished ? 0 : 1); i++)
            {
                lines.Add(new TimedLine(now, seen[i].TrimEnd(), stalled));
            }

            if (finished)
            {
                return (await completion, lines);
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// The time between consecutive lines less the time the process stalled in between: a progress line a stall delayed
    /// is not a line the command forgot, while a command that stays silent still shows its whole silence.
    /// </summary>
    public static IReadOnlyList<TimeSpan> Gaps(IReadOnlyList<TimedLine> lines) =>
        lines.Zip(lines.Skip(1), (a, b) => b.At - a.At - (b.Stalled - a.Stalled)).ToList();

    private async Task<CliResult> RunAsync(TestConsole output, CancellationToken cancellationToken, string[] args)
    {
        var error = CreateConsole();
        var context = new CliContext(
            output,
            error,
            Environment,
            liveProgress: live,
            openStandardOutput: () => StandardOutput,
            openStandardInput: () => StandardInput);
        var exitCode = await new CliApplication(context).RunAsync(args, cancellationToken);
        return new CliResult(exitCode, output.Output, error.Output);
    }
}

/// <summary>A command still running, and what it printed so far.</summary>
public sealed record Running(TestConsole Output, Task<CliResult> Completion)
{
    /// <summary>What it printed so far.</summary>
    public string Text => CliRunner.Peek(Output);

    public string FirstLine => Text.Split('\n')[0].Trim();
}

/// <summary>A stdout line, when it was seen, and how long the process had stalled by then.</summary>
public sealed record TimedLine(TimeSpan At, string Line, TimeSpan Stalled);
