using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Benchmarks.ExportStore;

/// <summary>
/// Issue 13's export benchmark: the same export by the whole CLI process (<c>fhir-bulk export</c>) into a local folder, into
/// s3rver and into Azurite, interleaved, at each size of <c>--memory-mb</c> (default 200 and 2000): wall MB/s, CPU per MB and
/// peak RSS of the CLI, measured from outside by <c>/usr/bin/time</c>. The emulators run as their own node processes from
/// tests/node_modules (<c>npm ci --prefix tests</c>); their CPU is not the CLI's and is not counted.
/// </summary>
internal static class ExportStoreBenchmark
{
    private const string Bucket = "bench";
    private const string Container = "bench";

    // Resources per exported file: more than any generated type has, so each type is exported as one file.
    private const int OneFilePerType = 100_000_000;

    // s3rver's fixed key and Azurite's published development key: emulator credentials, not secrets.
    private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private sealed record Target(string Name, Func<int, string> Out, string[] Arguments, Dictionary<string, string> Environment);

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        if (!TimedProcess.Available)
        {
            throw new InvalidOperationException($"{TimedProcess.TimeProgram} is needed to measure each process's CPU time (apt-get install time).");
        }

        var cli = FhirBulkCli.Preferred(options);
        report.Heading("Export to object storage (issue 13): local folder, s3rver, Azurite");
        report.Line(
            $"CLI commit {RunInfo.GitCommit()}, {cli.Described}. Each run is the whole CLI process, `fhir-bulk export --server URL --out TARGET --quiet` (with `--s3-endpoint` for s3rver and " +
            $"`AZURE_STORAGE_CONNECTION_STRING` for Azurite), against the embedded server (no auth, files at full speed), measured by " +
            $"`{TimedProcess.TimeProgram}`; targets interleaved in {options.Rounds} round(s), medians. MB is the NDJSON exported. The emulators are " +
            "node processes on this machine writing to its disk: their CPU is not in the CLI's, and their speed is not a cloud's.");
        var emulators = Population.TempDir("export-store-emulators");
        using var s3rver = Start("s3rver", "bin/s3rver.js", ["--directory", Path.Combine(emulators, "s3"), "--address", "127.0.0.1", "--port", FreePort(out var s3Port), "--configure-bucket", Bucket, "--silent"], emulators);
        using var azurite = Start("azurite", "dist/src/blob/main.js", ["--blobHost", "127.0.0.1", "--blobPort", FreePort(out var azPort), "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent", "--location", Path.Combine(emulators, "az")], emulators);
        var s3Endpoint = $"http://127.0.0.1:{s3Port}";
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteKey};BlobEndpoint=http://127.0.0.1:{azPort}/devstoreaccount1;";
        await WaitForPortAsync(s3Port);
        await WaitForPortAsync(azPort);
        await new BlobContainerClient(connection, Container).CreateIfNotExistsAsync();
        try
        {
            foreach (var megabytes in options.MemoryMb)
            {
                await SizeAsync(options, report, cli, megabytes, s3Endpoint, connection);
            }
        }
        finally
        {
            Stop(s3rver);
            Stop(azurite);
            Directory.Delete(emulators, recursive: true);
        }
    }

    private static async Task SizeAsync(BenchOptions options, Report report, FhirBulkCli cli, int megabytes, string s3Endpoint, string connection)
    {
        var data = Population.TempDir("export-store-data");
        var work = Population.TempDir("export-store-work");
        var output = Population.TempDir("export-store-out");
        try
        {
            var summary = await Population.GenerateAsync(data, megabytes);
            var mb = Measure.Mb(summary.Bytes);
            // One file per type, as the data is generated: the point is memory against the size of one file. (The server's
            // default splits every 10,000 resources, which made "2 GB" a run of 280 files of 8-17 MB each.)
            await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { DataDirectory = data, WorkDirectory = work, RequireAuth = false, MaxConcurrentJobsPerClient = 100, ResourcesPerFile = OneFilePerType });
            var aws = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "S3RVER", ["AWS_SECRET_ACCESS_KEY"] = "S3RVER", ["AWS_REGION"] = "us-east-1" };
            Target[] targets =
            [
                new("local folder", run => Path.Combine(output, $"local-{run}"), [], []),
                new("s3rver", run => $"s3://{Bucket}/{megabytes}mb-{run}/", ["--s3-endpoint", s3Endpoint], aws),
                new("Azurite", run => $"az://{Container}/{megabytes}mb-{run}/", [], new() { ["AZURE_STORAGE_CONNECTION_STRING"] = connection }),
            ];
            var samples = targets.ToDictionary(t => t.Name, _ => new List<TimedProcess.Sample>());
            (int Count, long Largest) exported = (0, 0);
            var failures = new Dictionary<string, string>();
            for (var round = 0; round < options.Rounds; round++)
            {
                foreach (var target in targets)
                {
                    var sample = await cli.RunAsync(["export", "--server", server.BaseUri.AbsoluteUri, "--out", target.Out(round), "--quiet", .. target.Arguments], target.Environment);
                    if (sample.ExitCode == 0)
                    {
                        samples[target.Name].Add(sample);
                    }
                    else
                    {
                        failures[target.Name] = $"exit {sample.ExitCode}: {(sample.Stderr + sample.Stdout).Trim().Split('\n')[0]}";
                    }

                    if (Directory.Exists(target.Out(round)))
                    {
                        // What the export wrote, from the local folder: the files the runs into the stores uploaded too.
                        var files = Directory.EnumerateFiles(target.Out(round), "*.ndjson", SearchOption.AllDirectories).Select(f => new FileInfo(f).Length).ToList();
                        exported = files.Count > 0 ? (files.Count, files.Max()) : exported;
                        Directory.Delete(target.Out(round), recursive: true);
                    }
                }
            }

            report.Line($"\n### {Report.F(mb, 0)} MB export ({summary.ResourceCounts.Values.Sum():N0} resources, {exported.Count} files exported, the largest {Report.F(Measure.Mb(exported.Largest), 0)} MB), load average {Machine.LoadAverage()}\n");
            report.Table(
                ["Target", "Wall s", "MB/s", "CPU s", "CPU ms per MB", "Peak RSS MB"],
                targets.Select(t => samples[t.Name] is { Count: > 0 } s
                    ? new[]
                    {
                        t.Name, Report.F(Measure.Median(s.Select(r => r.WallSeconds)), 2), Report.F(mb / Measure.Median(s.Select(r => r.WallSeconds)), 0),
                        Report.F(Measure.Median(s.Select(r => r.CpuSeconds)), 2), Report.F(1000 * Measure.Median(s.Select(r => r.CpuSeconds)) / mb, 1),
                        Report.F(Measure.Median(s.Select(r => r.PeakRssMb)), 0),
                    }
                    : [t.Name, "—", "—", "—", failures.GetValueOrDefault(t.Name, "no sample"), "—"]));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            Directory.Delete(work, recursive: true);
            Directory.Delete(output, recursive: true);
        }
    }

    private static Process Start(string package, string script, string[] arguments, string workingDirectory)
    {
        var path = Path.Combine(RepositoryRoot.Path, "tests", "node_modules", package, script);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: run `npm ci --prefix tests` (needs node and npm).");
        }

        var start = new ProcessStartInfo("node") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };

        // s3rver encrypts its listing continuation tokens with DES, which OpenSSL 3 (node 17 on) has only in its legacy
        // provider: without it, a listing that needs a second page answers 500, as the lock check's one-key listing does once
        // the bucket holds an earlier round's objects.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        start.ArgumentList.Add(path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>A port free now (the emulators take a fixed port here: their "listening" lines differ and are not parsed).</summary>
    private static string FreePort(out int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitForPortAsync(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }
    }
}
