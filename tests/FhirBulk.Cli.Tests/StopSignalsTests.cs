using System.Diagnostics;
using System.Runtime.InteropServices;
using FhirBulk.Cli.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FhirBulk.Cli.Tests;

public sealed class StopSignalsTests
{
    private readonly FakeTimeProvider clock = new();
    private readonly CancellationTokenSource stop = new();
    private readonly List<string> said = [];
    private readonly List<int> exits = [];

    private StopSignals Signals() => new(stop, clock, said.Add, exits.Add);

    [Fact]
    public void Handle_FirstSignal_CancelsTheCommandAndKeepsTheProcess()
    {
        Assert.True(Signals().Handle(PosixSignal.SIGINT));

        Assert.True(stop.IsCancellationRequested);
        Assert.Empty(exits);
        Assert.Empty(said);
    }

    [Fact]
    public void Handle_SameRequestDeliveredTwice_CountsOnce()
    {
        var signals = Signals();
        signals.Handle(PosixSignal.SIGINT);
        clock.Advance(TimeSpan.FromMilliseconds(5));

        Assert.True(signals.Handle(PosixSignal.SIGINT));

        Assert.Empty(exits);
        Assert.Empty(said);
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, 130)]
    [InlineData(PosixSignal.SIGTERM, 143)]
    public void Handle_ASecondRequestLater_StopsAtOnceSayingSo(PosixSignal second, int code)
    {
        var signals = Signals();
        signals.Handle(PosixSignal.SIGINT);
        clock.Advance(StopSignals.SameRequest);

        Assert.True(signals.Handle(second));

        Assert.Equal([code], exits);
        Assert.StartsWith("error: stopped at once by a second signal", Assert.Single(said), StringComparison.Ordinal);
    }

    /// <summary>
    /// What <c>timeout -s INT</c> does (the signal to the command, then to its group): two SIGINTs close together, here
    /// 50 ms apart while an export downloads. The export stops as after one Ctrl-C, printing the command that carries on
    /// (exit 130), instead of being ended by the second with nothing said.
    /// </summary>
    [Fact]
    public async Task Export_TwoSigintsCloseTogether_StopsCleanlyAsAfterOne()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // SIGINT is POSIX.
        }

        using var temp = new TempFolder();
        await using var server = await FhirBulk.Server.BulkDataServer.StartAsync(new FhirBulk.Server.BulkDataServerOptions { Patients = 50, RequireAuth = false });
        var slow = server.BaseUriWithFaults(new FhirBulk.Server.FaultOptions { TrickleBytesPerSecond = 300_000 }).ToString();
        var output = temp.File("export");
        using var export = CliProcess.Start(["export", "--server", slow, "--out", output], hearSigint: true);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(Directory.Exists(output) && Directory.EnumerateFiles(output, "*.part").Any(f => new FileInfo(f).Length > 0)))
        {
            Assert.True(DateTime.UtcNow < deadline && !export.HasExited, "the export did not start downloading");
            await Task.Delay(20);
        }

        using (var kill = Process.Start("/bin/sh", ["-c", $"kill -INT {export.Id}; sleep 0.05; kill -INT {export.Id}"]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var error = export.StandardError.ReadToEndAsync(timeout.Token);
        await export.WaitForExitAsync(timeout.Token);
        Assert.True(export.ExitCode == 130, $"exit {export.ExitCode}\n{await error}");
        Assert.Contains($"fhir-bulk export --resume {output}", await error, StringComparison.Ordinal);
        Assert.DoesNotContain("stopped at once", await error, StringComparison.Ordinal);
    }
}
