using System.Security.Cryptography;
using System.Text;
using FhirBulk.Server.Auth;
using FhirBulk.Server.Data;
using FhirBulk.Server.Export;
using FhirBulk.Server.Faults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Hosting;

/// <summary>Everything one server run shares between requests.</summary>
internal sealed class ServerState
{
    private readonly byte[] _capabilityKey = RandomNumberGenerator.GetBytes(32);
    private ResourceStore _store;
    private long _kickoffs;
    private long _tokenLeaks;

    public ServerState(BulkDataServerOptions options, ResourceStore store, string jobsDirectory, HttpClient jwksClient)
    {
        Options = options;
        Logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FhirBulk.Server");
        _store = store;
        JobsDirectory = jobsDirectory;
        Replays = new ReplayCache(options.TimeProvider);
        Tokens = new AccessTokens(options.TimeProvider);
        Assertions = new AssertionValidator(Clients, Replays, options.TimeProvider, jwksClient, options.RequireJti);
    }

    public BulkDataServerOptions Options { get; }

    public ILogger Logger { get; }

    public TimeProvider Clock => Options.TimeProvider;

    /// <summary>The data as of now; replaced whole when the data advances, so a request reads one snapshot throughout.</summary>
    public ResourceStore Store
    {
        get => Volatile.Read(ref _store);
        set => Volatile.Write(ref _store, value);
    }

    /// <summary>Serialises advances of the data: each step is generated from the state the previous one left.</summary>
    public SemaphoreSlim AdvanceLock { get; } = new(1, 1);

    /// <summary>The Groups of the current snapshot.</summary>
    public GroupReader Groups => new(Store);

    /// <summary>The data's time: its timeline's when it advances in simulated steps, otherwise the server's clock.</summary>
    public static DateTimeOffset DataNow(ResourceStore store, TimeProvider clock) => store.Timeline?.Now ?? clock.GetUtcNow();

    public string JobsDirectory { get; }

    public ClientRegistry Clients { get; } = new();

    public ReplayCache Replays { get; }

    public AccessTokens Tokens { get; }

    public AssertionValidator Assertions { get; }

    public JobStore Jobs { get; } = new();

    /// <summary>The FHIR origin's port, known once Kestrel is listening.</summary>
    public int Port { get; set; }

    /// <summary>The second origin's port.</summary>
    public int SecondPort { get; set; }

    /// <summary>The FHIR origin, <c>http://127.0.0.1:PORT</c>.</summary>
    public string Origin => $"http://127.0.0.1:{Port}";

    /// <summary>The second origin (another port) serving capability URLs and redirect targets.</summary>
    public string SecondOrigin => $"http://127.0.0.1:{SecondPort}";

    public long TokenLeaks => Interlocked.Read(ref _tokenLeaks);

    public long NextKickoff() => Interlocked.Increment(ref _kickoffs);

    public void RecordTokenLeak(string path)
    {
        Interlocked.Increment(ref _tokenLeaks);
        ServerLog.TokenLeaked(Logger, path);
    }

    /// <summary>Decides a fault (see <see cref="FaultDecider"/>) and logs it when it is injected.</summary>
    public bool InjectFault(FaultOptions faults, double rate, string fault, string target, long call)
    {
        var hit = FaultDecider.Hit(faults, rate, fault, target, call);
        if (hit)
        {
            ServerLog.FaultInjected(Logger, fault, target);
        }

        return hit;
    }

    /// <summary>An unguessable URL for one job file on the second origin: the path is signed with a per-run key.</summary>
    public string CapabilityUrl(ExportJob job, string relativePath) =>
        $"{SecondOrigin}/files/{job.Id}/{relativePath}?sig={Sign(job.Id, relativePath)}";

    public bool VerifyCapability(string jobId, string relativePath, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(jobId, relativePath)), Encoding.ASCII.GetBytes(signature));

    private string Sign(string jobId, string relativePath) =>
        Base64UrlEncoder.Encode(HMACSHA256.HashData(_capabilityKey, Encoding.UTF8.GetBytes(jobId + "/" + relativePath)));
}
