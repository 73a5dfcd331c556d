using Microsoft.Extensions.Logging;

namespace FhirBulk.Server;

/// <summary>Options for <see cref="BulkDataServer"/>; validated once by <see cref="BulkDataServer.StartAsync"/>.</summary>
public sealed class BulkDataServerOptions
{
    /// <summary>Loopback port of the FHIR origin; 0 picks a free port.</summary>
    /// <value>The default value is 0.</value>
    public int Port { get; set; }

    /// <summary>Number of synthetic patients generated when <see cref="DataDirectory"/> is not set.</summary>
    /// <value>The default value is 100.</value>
    public int Patients { get; set; } = ServerDefaults.Patients;

    /// <summary>Seed of the synthetic population.</summary>
    /// <value>The default value is 0.</value>
    public int Seed { get; set; }

    /// <summary>A folder of NDJSON files (<c>&lt;Type&gt;.ndjson</c> or <c>&lt;Type&gt;.NNN.ndjson</c>) served instead of generated data.</summary>
    /// <value>The default value is <see langword="null"/> (generate a population).</value>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// Steps of simulated change (<see cref="PopulationGenerator.AdvanceAsync"/>, a week each) played at start. When set,
    /// the data lives on a simulated timeline: an export's <c>transactionTime</c> is the data's time (the population's
    /// reference date plus the steps taken), not the server clock, and <see cref="BulkDataServer.AdvanceAsync"/> plays
    /// more steps. With <see cref="DataDirectory"/> the folder must be one the generator advanced
    /// (<c>fhir-bulk generate --steps</c>); the steps are added to the steps it already holds, in that folder.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the data never changes and exports carry the server clock's time.</value>
    public int? Steps { get; set; }

    /// <summary>When false the server is open (<c>--no-auth</c>): no token is needed and manifests say <c>requiresAccessToken: false</c>.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RequireAuth { get; set; } = true;

    /// <summary>
    /// When true, client assertions without a <c>jti</c> are refused (<c>invalid_grant</c>), as SMART Backend
    /// Services requires. When false they are accepted, as the public SMART sample server does, and each such
    /// assertion can be used once (its signature stands in for the jti).
    /// </summary>
    /// <value>The default value is <see langword="false"/>, so clients written against the public server work unchanged.</value>
    public bool RequireJti { get; set; }

    /// <summary>A JSON clients file: <c>[{"client_id", "jwks" | "jwks_url", "scope"}]</c>.</summary>
    /// <value>The default value is <see langword="null"/> (clients come from registration only).</value>
    public string? ClientsFile { get; set; }

    /// <summary>Resources per output file before an export file is split.</summary>
    /// <value>The default value is 10,000.</value>
    public int ResourcesPerFile { get; set; } = ServerDefaults.ResourcesPerFile;

    /// <summary>Lifetime of issued access tokens.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan AccessTokenLifetime { get; set; } = ServerDefaults.AccessTokenLifetime;

    /// <summary>Exports a client may have in progress at once; one more gets 429.</summary>
    /// <value>The default value is 5.</value>
    public int MaxConcurrentJobsPerClient { get; set; } = ServerDefaults.MaxConcurrentJobsPerClient;

    /// <summary>How long a completed export's files stay available (the manifest's <c>Expires</c> header).</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan ExportRetention { get; set; } = ServerDefaults.ExportRetention;

    /// <summary>Outputs per manifest page when the client sent <c>allowPartialManifests=true</c>.</summary>
    /// <value>The default value is 10.</value>
    public int ManifestPageSize { get; set; } = ServerDefaults.ManifestPageSize;

    /// <summary>Faults to inject; a base64url JSON segment in the URL overrides them per request.</summary>
    /// <value>The default value is no faults.</value>
    public FaultOptions Faults { get; set; } = new();

    /// <summary>
    /// When true, manifests point at unguessable signed URLs on a second origin (another port) and say
    /// <c>requiresAccessToken: false</c>, so a client that sends its token there is caught.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool CapabilityUrls { get; set; }

    /// <summary>Folder for generated data and export files; a fresh temporary folder when null. Deleted on stop only when the server created it.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? WorkDirectory { get; set; }

    /// <summary>Where the server logs requests it rejects, tokens it issues (never the tokens), exports and injected faults.</summary>
    /// <value>The default value is <see langword="null"/> (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Clock used for token lifetimes, <c>_since</c> checks and job expiry.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 0..65535.");
        }

        if (DataDirectory is null && Patients < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Patients), Patients, "At least one patient is needed.");
        }

        if (Steps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Must be 0 or positive.");
        }

        if (DataDirectory is not null && !Directory.Exists(DataDirectory))
        {
            throw new DirectoryNotFoundException(File.Exists(DataDirectory)
                ? $"Data directory '{DataDirectory}' is a file, not a folder."
                : $"Data directory '{DataDirectory}' does not exist.");
        }

        if (ClientsFile is not null && !File.Exists(ClientsFile))
        {
            throw new FileNotFoundException($"clients file '{ClientsFile}' does not exist.", ClientsFile);
        }

        if (ResourcesPerFile < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ResourcesPerFile), ResourcesPerFile, "Must be positive.");
        }

        if (AccessTokenLifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AccessTokenLifetime), AccessTokenLifetime, "Must be positive.");
        }

        if (MaxConcurrentJobsPerClient < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentJobsPerClient), MaxConcurrentJobsPerClient, "Must be positive.");
        }

        if (ManifestPageSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ManifestPageSize), ManifestPageSize, "Must be positive.");
        }

        ArgumentNullException.ThrowIfNull(Faults);
        if (!Faults.TryValidate(out var faultError))
        {
            throw new ArgumentException(faultError, nameof(Faults));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
