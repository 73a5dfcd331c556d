using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// A storage emulator from tests/node_modules (installed by <c>npm ci --prefix tests</c>, as .ci/run does) run with node on
/// 127.0.0.1 with a port the system picks, read back from the emulator's own "listening" line; its data lives in a temporary
/// folder removed at the end. Where node or the package is missing, <see cref="SkipReason"/> says so and the tests skip.
/// </summary>
public abstract partial class Emulator : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string package;
    private readonly string script;
    private readonly System.Text.StringBuilder output = new();
    private Process? process;

    protected Emulator(string package, string script)
    {
        this.package = package;
        this.script = script;
        DataFolder = Path.Combine(Path.GetTempPath(), $"fhirbulk-{package}-{Guid.NewGuid():N}"[..40]);
    }

    /// <summary>The emulator's base URL, once started.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The emulator's data folder (s3rver keeps objects and pending multipart uploads there).</summary>
    public string DataFolder { get; }

    /// <summary>Why the emulator cannot run here, or <see langword="null"/> when it can.</summary>
    public static string? SkipReasonFor(string package, string script)
    {
        if (FindRepositoryRoot() is not { } root)
        {
            return "the repository root (FhirBulk.slnx) was not found above the test assembly";
        }

        if (!File.Exists(Path.Combine(root, "tests", "node_modules", package, script)))
        {
            return $"tests/node_modules/{package} is missing: run `npm ci --prefix tests` (needs node and npm) to test against the {package} emulator";
        }

        return Node() is null ? $"node is not on PATH, so the {package} emulator cannot run" : null;
    }

    public async Task InitializeAsync()
    {
        if (SkipReasonFor(package, script) is not null)
        {
            return;
        }

        Directory.CreateDirectory(DataFolder);
        var start = new ProcessStartInfo(Node()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DataFolder,
        };
        start.ArgumentList.Add(Path.Combine(FindRepositoryRoot()!, "tests", "node_modules", package, script));
        Configure(start);
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        process = Process.Start(start)!;
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }

        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => port.TrySetException(new InvalidOperationException($"{package} exited before listening:\n{output}"));

        var listening = await port.Task.WaitAsync(StartTimeout);
        Endpoint = new Uri($"http://127.0.0.1:{listening}");
        await WaitUntilAnswering(listening);
    }

    public async Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        if (Directory.Exists(DataFolder))
        {
            Directory.Delete(DataFolder, recursive: true);
        }
    }

    /// <summary>The emulator's command-line arguments: 127.0.0.1, port 0, data in <see cref="DataFolder"/>.</summary>
    protected abstract IEnumerable<string> Arguments();

    /// <summary>Adjusts the emulator's process (its environment) before it starts.</summary>
    protected virtual void Configure(ProcessStartInfo start)
    {
    }

    private static async Task WaitUntilAnswering(int port)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private protected static string? FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "FhirBulk.slnx")))
            {
                return folder.FullName;
            }
        }

        return null;
    }

    private static string? Node() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, OperatingSystem.IsWindows() ? "node.exe" : "node"))
            .FirstOrDefault(File.Exists);

    // s3rver: "S3rver listening on 127.0.0.1:40425"; Azurite: "Azurite Blob service successfully listens on http://127.0.0.1:42329".
    [GeneratedRegex(@"(?:listening on|listens on) (?:http://)?127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}

/// <summary>s3rver 3.7.1: path-style S3 with any access key; the test bucket is configured at start.</summary>
public sealed class S3rver : Emulator
{
    public const string Package = "s3rver";
    public const string Script = "bin/s3rver.js";
    public const string Bucket = "fhirbulk-test";

    public S3rver()
        : base(Package, Script)
    {
    }

    public static string? SkipReason { get; } = SkipReasonFor(Package, Script);

    protected override IEnumerable<string> Arguments() => ["--directory", DataFolder, "--address", "127.0.0.1", "--port", "0", "--configure-bucket", Bucket];

    // s3rver encrypts ListObjectsV2 continuation tokens with a cipher OpenSSL 3 (node 17 and later) only has in its legacy
    // provider; without it every truncated listing answers 500 ERR_OSSL_EVP_UNSUPPORTED. The preloaded script decodes a
    // copy's source as S3 does (see the script).
    protected override void Configure(ProcessStartInfo start) =>
        start.Environment["NODE_OPTIONS"] = $"--openssl-legacy-provider --require \"{Path.Combine(FindRepositoryRoot()!, "tests", "FhirBulk.IntegrationTests", "Storage", "s3rver-copy-source.js")}\"";
}

/// <summary>Azurite 3.37.0's blob service, its data in the temporary folder, with the well-known development account devstoreaccount1.</summary>
public sealed class Azurite : Emulator
{
    public const string Package = "azurite";
    public const string Script = "dist/src/blob/main.js";

    // The emulator's published development key (https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key): not a secret.
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public Azurite()
        : base(Package, Script)
    {
    }

    public static string? SkipReason { get; } = SkipReasonFor(Package, Script);

    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint={Endpoint}devstoreaccount1;";

    protected override IEnumerable<string> Arguments() =>
        ["--blobHost", "127.0.0.1", "--blobPort", "0", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent", "--location", DataFolder];
}

/// <summary>A fact against s3rver; skipped with the reason where node or the package is missing.</summary>
public sealed class S3rverFactAttribute : FactAttribute
{
    public S3rverFactAttribute() => Skip = S3rver.SkipReason;
}

/// <summary>A fact against Azurite; skipped with the reason where node or the package is missing.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute() => Skip = Azurite.SkipReason;
}

/// <summary>A theory against s3rver; skipped with the reason where node or the package is missing.</summary>
public sealed class S3rverTheoryAttribute : TheoryAttribute
{
    public S3rverTheoryAttribute() => Skip = S3rver.SkipReason;
}

/// <summary>A theory against Azurite; skipped with the reason where node or the package is missing.</summary>
public sealed class AzuriteTheoryAttribute : TheoryAttribute
{
    public AzuriteTheoryAttribute() => Skip = Azurite.SkipReason;
}
