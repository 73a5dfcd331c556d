using System.Net;
using System.Net.Sockets;
using FhirBulk.Server.Auth;
using FhirBulk.Server.Data;
using FhirBulk.Server.Export;
using FhirBulk.Server.Fhir;
using FhirBulk.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Server;

/// <summary>
/// An embedded FHIR Bulk Data server on 127.0.0.1: SMART Backend Services auth, the <c>$export</c>
/// lifecycle, fault injection, and data from a folder of NDJSON or a generated population.
/// </summary>
/// <example>
/// <code>
/// await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 50 });
/// var clientId = server.RegisterClient(publicJwksJson);
/// // point a client at server.BaseUri (http://127.0.0.1:PORT/fhir)
/// </code>
/// </example>
public sealed class BulkDataServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerState _state;
    private readonly string? _ownedWorkDirectory;
    private readonly HttpClient _jwksClient;
    private int _stopped;

    private BulkDataServer(WebApplication app, ServerState state, string? ownedWorkDirectory, HttpClient jwksClient)
    {
        _app = app;
        _state = state;
        _ownedWorkDirectory = ownedWorkDirectory;
        _jwksClient = jwksClient;
    }

    /// <summary>The FHIR base URL, exactly <c>http://127.0.0.1:PORT/fhir</c>.</summary>
    public Uri BaseUri => new($"{_state.Origin}/fhir");

    /// <summary>The token endpoint, <c>http://127.0.0.1:PORT/auth/token</c>.</summary>
    public Uri TokenEndpoint => new($"{_state.Origin}/auth/token");

    /// <summary>The dev registration endpoint, <c>http://127.0.0.1:PORT/auth/register</c>.</summary>
    public Uri RegistrationEndpoint => new($"{_state.Origin}/auth/register");

    /// <summary>The second origin (another loopback port) serving capability URLs and cross-origin redirect targets.</summary>
    public Uri SecondOrigin => new(_state.SecondOrigin);

    /// <summary>The folder of NDJSON being served: <see cref="BulkDataServerOptions.DataDirectory"/>, or where the population was generated.</summary>
    public string DataDirectory => _state.Store.Directory;

    /// <summary>
    /// The data's time: what an export's <c>transactionTime</c> is now. On a simulated timeline
    /// (<see cref="BulkDataServerOptions.Steps"/>) it is the end of the last step; otherwise the server clock.
    /// </summary>
    public DateTimeOffset DataTime => ServerState.DataNow(_state.Store, _state.Clock);

    /// <summary>The resource types the data folder holds NDJSON of (<c>TYPE.NNN.ndjson</c>), in ordinal order; empty for a folder of none.</summary>
    public IReadOnlyList<string> ResourceTypes => [.. _state.Store.Types];

    /// <summary>Steps of simulated change the data has taken; 0 when it has no timeline.</summary>
    public int Steps => _state.Store.Timeline?.Steps ?? 0;

    /// <summary>
    /// Where the steps of change are written, <c>steps/</c> in <see cref="DataDirectory"/> (a given
    /// <see cref="BulkDataServerOptions.DataDirectory"/> is changed by <see cref="BulkDataServerOptions.Steps"/> and
    /// <see cref="AdvanceAsync"/>); <see langword="null"/> when the data has no timeline.
    /// </summary>
    public string? StepsDirectory => _state.Store.Timeline is null ? null : Path.Combine(DataDirectory, PopulationGenerator.StepsFolder);

    /// <summary>The server's jobs, store and options, for tests that stage a job the endpoints then answer for.</summary>
    internal ServerState State => _state;

    /// <summary>Requests that arrived at the second origin carrying an Authorization header: tokens a client leaked.</summary>
    public long LeakedTokenCount => _state.TokenLeaks;

    /// <summary>Starts a server and returns once it is listening.</summary>
    /// <param name="options">What to serve and how; validated here.</param>
    /// <param name="cancellationToken">Cancels start-up (including data generation).</param>
    /// <returns>The running server; dispose or <see cref="StopAsync"/> it.</returns>
    /// <exception cref="IOException"><see cref="BulkDataServerOptions.Port"/> is in use (the message names it), or the data cannot be read.</exception>
    public static async Task<BulkDataServer> StartAsync(BulkDataServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var owned = options.WorkDirectory is null;
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "fhirbulk-server-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        var jwksClient = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var dataDirectory = options.DataDirectory;
            if (dataDirectory is null)
            {
                dataDirectory = Path.Combine(work, "data");
                var population = new PopulationOptions { Patients = options.Patients, Seed = options.Seed };
                await PopulationGenerator.GenerateAsync(dataDirectory, population, cancellationToken);
                if (options.Steps is { } steps)
                {
                    await PopulationGenerator.AdvanceAsync(dataDirectory, population, steps, cancellationToken);
                }
            }
            else if (options.Steps is { } steps)
            {
                // A step continues the population from its seed and options, which only the timeline keeps: another folder
                // (an export, or a population generated without one) cannot be continued, only served as it is.
                var timeline = Timeline.Read(dataDirectory) ?? throw new FormatException(
                    $"{dataDirectory} has no {Timeline.Folder}/ timeline, so no steps of change can be played into it: they continue a population the generator "
                    + $"started a timeline for (fhir-bulk generate --steps N --out NEWDIR, where N may be 0), from its seed. Serve this folder without steps, or generate it again with a timeline.");
                await PopulationGenerator.AdvanceAsync(dataDirectory, timeline.Population, steps, cancellationToken);
            }

            var jobs = Path.Combine(work, "jobs");
            Directory.CreateDirectory(jobs);
            var state = new ServerState(options, new ResourceStore(dataDirectory), jobs, jwksClient);
            if (options.ClientsFile is not null)
            {
                state.Clients.LoadFile(options.ClientsFile);
            }

            var app = Build(options, state);
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e) when (e.InnerException is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                await app.DisposeAsync();
                throw new IOException($"port {options.Port} on 127.0.0.1 is in use: stop what listens there, or choose another port (0 picks a free one).", e);
            }

            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();

            // Kestrel reports addresses in the order the endpoints were configured: FHIR origin first.
            state.Port = new Uri(addresses[0]).Port;
            state.SecondPort = new Uri(addresses[1]).Port;
            ServerLog.Started(state.Logger, $"{state.Origin}/fhir", state.SecondOrigin, dataDirectory);
            return new BulkDataServer(app, state, owned ? work : null, jwksClient);
        }
        catch
        {
            jwksClient.Dispose();
            if (owned)
            {
                Directory.Delete(work, recursive: true);
            }

            throw;
        }
    }

    private static WebApplication Build(BulkDataServerOptions options, ServerState state)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 2 << 20;
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Use(ClientErrorMiddleware.Create);
        app.Use(next => RequestContext.Middleware(state, next));
        app.UseRouting();
        MetadataEndpoints.Map(app, state);
        AuthEndpoints.Map(app, state);
        GroupEndpoints.Map(app, state);
        KickoffEndpoints.Map(app, state);
        StatusEndpoints.Map(app, state);
        FileEndpoints.Map(app, state);
        app.MapFallback(ClientErrorMiddleware.NotFound);
        return app;
    }

    /// <summary>
    /// Plays <paramref name="steps"/> steps of simulated change (<see cref="PopulationGenerator.AdvanceAsync"/>) and
    /// moves the data's time to the end of the last one. Exports already started keep the data they began with; an
    /// export started after this returns carries the new time, so <c>_since</c> set to the <c>transactionTime</c> of an
    /// export taken before returns exactly the changes of the steps in between.
    /// </summary>
    /// <param name="steps">Steps to play, at least 1.</param>
    /// <param name="cancellationToken">Cancels; the steps written until then are kept.</param>
    /// <returns>The data's new time.</returns>
    /// <exception cref="InvalidOperationException">The server was started without <see cref="BulkDataServerOptions.Steps"/>.</exception>
    public async Task<DateTimeOffset> AdvanceAsync(int steps = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        await _state.AdvanceLock.WaitAsync(cancellationToken);
        try
        {
            var store = _state.Store;
            var timeline = store.Timeline ?? throw new InvalidOperationException(
                "This server's data has no timeline: start it with BulkDataServerOptions.Steps set (serve --steps) to advance it.");
            try
            {
                await PopulationGenerator.AdvanceAsync(store.Directory, timeline.Population, steps, cancellationToken);
            }
            finally
            {
                // Steps finished before a cancellation are on disk: serve them.
                _state.Store = new ResourceStore(store.Directory);
            }

            ServerLog.Advanced(_state.Logger, _state.Store.Timeline!.Steps, _state.Store.Timeline.Now);
            return _state.Store.Timeline.Now;
        }
        finally
        {
            _state.AdvanceLock.Release();
        }
    }

    /// <summary>Registers a client in-process, as <c>POST /auth/register</c> does, and returns its client_id.</summary>
    /// <param name="jwksJson">The client's public JWKS (RS384 or ES384 keys with <c>kid</c>).</param>
    /// <param name="allowedScopes">Scopes the client may be granted; default <c>system/*.read system/*.rs</c>.</param>
    /// <returns>The new client_id.</returns>
    public string RegisterClient(string jwksJson, string? allowedScopes = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(jwksJson);
        return _state.Clients.Register(jwksJson, null, allowedScopes);
    }

    /// <summary>Registers a client whose keys are fetched from <paramref name="jwksUrl"/> at each token request.</summary>
    /// <param name="jwksUrl">Where the client publishes its JWKS.</param>
    /// <param name="allowedScopes">Scopes the client may be granted; default <c>system/*.read system/*.rs</c>.</param>
    /// <returns>The new client_id.</returns>
    public string RegisterClient(Uri jwksUrl, string? allowedScopes = null)
    {
        ArgumentNullException.ThrowIfNull(jwksUrl);
        return _state.Clients.Register(null, jwksUrl, allowedScopes);
    }

    /// <summary>Builds the FHIR base URL carrying <paramref name="faults"/> as a base64url JSON path segment.</summary>
    /// <param name="faults">Faults for requests made under the returned base.</param>
    /// <returns><c>http://127.0.0.1:PORT/&lt;b64json&gt;/fhir</c>.</returns>
    public Uri BaseUriWithFaults(FaultOptions faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        return new($"{_state.Origin}/{Faults.FaultSegment.Encode(faults)}/fhir");
    }

    /// <summary>
    /// Stops listening, lets responses in flight finish for a moment (2 s) and then aborts them, cancels running exports and
    /// deletes the server's temporary files.
    /// </summary>
    /// <param name="cancellationToken">Ends graceful shutdown earlier.</param>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        using (var graceful = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // Kestrel aborts the connections still open when this token fires.
            graceful.CancelAfter(ServerDefaults.GracefulStop);
            await _app.StopAsync(graceful.Token);
        }

        await _state.Jobs.RemoveAllAsync();
        await _app.DisposeAsync();
        _jwksClient.Dispose();
        if (_ownedWorkDirectory is not null)
        {
            try
            {
                Directory.Delete(_ownedWorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is not worth failing shutdown for.
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync();
}
