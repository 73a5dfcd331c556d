using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FhirBulk.Benchmarks.Infrastructure;

namespace FhirBulk.Benchmarks.ViewsStore;

/// <summary>
/// s3rver (tests/node_modules, installed by <c>npm ci --prefix tests</c>) on 127.0.0.1 with a port the system picks, its
/// objects in a temporary folder; the process's own CPU time is read from /proc so a run's cost on the emulator's side can be
/// reported beside the CLI's.
/// </summary>
internal sealed partial class S3rverProcess : IDisposable
{
    public const string Bucket = "bench";

    private readonly Process _process;
    private readonly string _folder;

    private S3rverProcess(Process process, string folder, Uri endpoint)
    {
        _process = process;
        _folder = folder;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>User + system CPU seconds the emulator has used so far.</summary>
    public double CpuSeconds
    {
        get
        {
            // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the parenthesised command name.
            var fields = File.ReadAllText($"/proc/{_process.Id}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
    }

    public static async Task<S3rverProcess> StartAsync()
    {
        var script = Path.Combine(RepositoryRoot.Path, "tests", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"{script} is missing: run `npm ci --prefix tests` (needs node and npm).");
        }

        var folder = Population.TempDir("s3rver");
        var start = new ProcessStartInfo("node", [script, "--directory", folder, "--address", "127.0.0.1", "--port", "0", "--configure-bucket", Bucket])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // s3rver's listing continuation tokens use a cipher OpenSSL 3 keeps in its legacy provider; the tests' preload makes
        // its CopyObject decode the copy source as S3 does, which the lake's move of staged parts needs.
        var preload = Path.Combine(RepositoryRoot.Path, "tests", "FhirBulk.IntegrationTests", "Storage", "s3rver-copy-source.js");
        start.Environment["NODE_OPTIONS"] = $"--openssl-legacy-provider --require \"{preload}\"";
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (Listening().Match(line) is { Success: true } match)
            {
                // Keep draining stdout so the emulator never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync();
                return new S3rverProcess(process, folder, new Uri($"http://127.0.0.1:{match.Groups[1].Value}"));
            }
        }

        throw new InvalidOperationException("s3rver exited before listening.");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
