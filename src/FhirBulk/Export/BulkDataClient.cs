using System.Net;
using System.Text.Json;
using FhirBulk.Auth;
using FhirBulk.Diagnostics;
using FhirBulk.ExportFolder;
using FhirBulk.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Export;

/// <summary>
/// A client of one FHIR server's Bulk Data Access API: discovery, SMART Backend Services authorization, kick-off,
/// status polling, downloads, and whole exports to a resumable output folder.
/// </summary>
public sealed partial class BulkDataClient : IDisposable
{
    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly BulkDataClientOptions _options;
    private readonly ILogger _logger;
    private readonly BulkHttp _http;
    private readonly AccessTokenProvider? _tokens;
    private readonly SemaphoreSlim _discoveryGate = new(1, 1);
    private SmartConfiguration? _smartConfiguration;

    /// <summary>Creates a client for the server at <paramref name="fhirBaseUri"/>.</summary>
    /// <param name="fhirBaseUri">The FHIR base URL, e.g. <c>https://example.org/fhir</c>.</param>
    /// <param name="options">Options; copied and validated here, so changing them afterwards does not change this client.</param>
    /// <exception cref="ArgumentNullException"><paramref name="fhirBaseUri"/> is <see langword="null"/>, or so is <see cref="BulkDataClientOptions.TimeProvider"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="fhirBaseUri"/> is not an absolute http(s) URL, or carries user info (credentials).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the exception names it).</exception>
    /// <exception cref="FileNotFoundException"><see cref="BulkDataClientOptions.CaBundlePath"/> names no file.</exception>
    public BulkDataClient(Uri fhirBaseUri, BulkDataClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fhirBaseUri);
        if (fhirBaseUri.IsAbsoluteUri && fhirBaseUri.UserInfo.Length > 0)
        {
            // Not repeated: the base URL goes into messages, logs and the export folder's state, where no secret may go.
            throw new ArgumentException("The FHIR base URL must not carry credentials (user:password@); give them as BulkDataClientOptions.Credentials.", nameof(fhirBaseUri));
        }

        if (!fhirBaseUri.IsAbsoluteUri || (fhirBaseUri.Scheme != Uri.UriSchemeHttps && fhirBaseUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"'{fhirBaseUri}' is not an absolute http(s) URL.", nameof(fhirBaseUri));
        }

        _options = (options ?? new BulkDataClientOptions()).Validated();
        BaseUri = new Uri(KickoffRequest.Base(fhirBaseUri));
        _ownsHttpClient = _options.HttpClient is null;
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FhirBulk.BulkDataClient");
        _httpClient = _options.HttpClient ?? HttpClientFactory.Create(_options, _logger);
        _http = new BulkHttp(_httpClient, _options, _logger);
        if (_options.Credentials is { } credentials)
        {
            _tokens = new AccessTokenProvider(_http, credentials, TokenEndpointAsync, BulkDataDefaults.TokenRenewalMargin, _logger);
            _http.Tokens = _tokens;
        }
    }

    /// <summary>The FHIR base URL (always ending in <c>/</c>).</summary>
    public Uri BaseUri { get; }

    /// <summary>Kicks off an export.</summary>
    /// <param name="request">What to export.</param>
    /// <param name="cancellationToken">Cancels the kick-off.</param>
    /// <returns>The running export.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="request"/> is inconsistent (a Group export without a GroupId, patients for a system export).</exception>
    /// <exception cref="AuthenticationException">The token was refused.</exception>
    /// <exception cref="FhirBulkException">The server refused the kick-off (its OperationOutcome attached), or did not answer within the retries.</exception>
    public Task<ExportOperation> StartExportAsync(ExportRequest request, CancellationToken cancellationToken = default) =>
        StartExportAsync(request, null, cancellationToken);

    /// <summary>Rebuilds an export operation from a saved status URL (to resume polling or cancel it).</summary>
    /// <param name="statusUrl">The status URL from <see cref="ExportOperation.StatusUrl"/>.</param>
    /// <returns>The operation; call <see cref="ExportOperation.UpdateStatusAsync"/> to learn where it stands.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="statusUrl"/> is <see langword="null"/>.</exception>
    public ExportOperation GetExportOperation(Uri statusUrl)
    {
        ArgumentNullException.ThrowIfNull(statusUrl);
        return new ExportOperation(statusUrl, _http, _options, _logger, null);
    }

    /// <summary>Downloads every file of a manifest into <paramref name="outputDirectory"/> (<c>&lt;Type&gt;.&lt;NNN&gt;.ndjson</c>, <c>error/</c>, <c>deleted/</c>).</summary>
    /// <param name="manifest">The complete manifest.</param>
    /// <param name="outputDirectory">The folder to write to (created if missing).</param>
    /// <param name="progress">Receives per-file byte progress.</param>
    /// <param name="cancellationToken">Cancels the downloads; partial files stay as <c>.part</c>.</param>
    /// <returns>Every file with its status, resource count, bytes and SHA-256.</returns>
    /// <remarks>
    /// A file that fails on its own (gone or expired, an error status, out of retries, or with a bad line under
    /// <see cref="ErrorPolicy.Fail"/>) does not throw: the others carry on, and it is returned with status
    /// <see cref="ExportFileStatus.Failed"/> or <see cref="ExportFileStatus.Expired"/> and its
    /// <see cref="ExportFileState.Error"/>, which sets <see cref="DownloadResult.HasFailures"/>. Only a fault every file
    /// would share throws.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="manifest"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="outputDirectory"/> is <see langword="null"/>, empty or white space.</exception>
    /// <exception cref="AuthenticationException">A file's server answered 401 or 403, or the token was refused (every file would fail the same way).</exception>
    /// <exception cref="ExportFolderException"><paramref name="outputDirectory"/> cannot be written (disk full, no permission); files already complete stay.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<DownloadResult> DownloadAsync(ExportManifest manifest, string outputDirectory, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        Directory.CreateDirectory(outputDirectory);
        var files = ExportFolderLayout.Plan(manifest, _options.CompressOutput);
        await DownloadFilesAsync(_options, files, manifest, BaseUri, new LocalExportTarget(outputDirectory), progress, null, null, cancellationToken).ConfigureAwait(false);
        return new DownloadResult(files);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _tokens?.Dispose();
        _discoveryGate.Dispose();
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    private async Task<ExportOperation> StartExportAsync(ExportRequest request, ExportLog? eventLog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        using var activity = FhirBulkActivitySource.Source.StartActivity("FhirBulk.Kickoff");
        var endpoint = KickoffRequest.Endpoint(BaseUri, request);
        var parameters = KickoffRequest.Parameters(request).Select(p => $"{p.Name}={p.Value}").ToList();
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(url => KickoffRequest.Create(url, request), endpoint, withToken: true, cancellationToken, "kick-off").ConfigureAwait(false);
        }
        catch (FhirBulkException exception)
        {
            eventLog?.Write("kickoff", new()
            {
                ["exportUrl"] = endpoint.AbsoluteUri,
                ["requestParameters"] = parameters,
                ["errorCode"] = (int?)exception.StatusCode,
                ["errorBody"] = exception.OperationOutcome,
                ["message"] = exception.Message,
            });
            throw;
        }

        using (response)
        {
            var location = response.Content.Headers.ContentLocation
                ?? (response.Headers.TryGetValues("Content-Location", out var values) ? new Uri(values.First(), UriKind.RelativeOrAbsolute) : null);
            if (response.StatusCode != HttpStatusCode.Accepted || location is null)
            {
                throw new FhirBulkException(
                    $"{endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase} without a Content-Location; expected 202 Accepted with the status URL.",
                    response.StatusCode, endpoint, null, isTransient: false);
            }

            var statusUrl = location.IsAbsoluteUri ? location : new Uri(endpoint, location);
            Log.ExportStarted(_logger, statusUrl);
            eventLog?.Write("kickoff", new()
            {
                ["exportUrl"] = endpoint.AbsoluteUri,
                ["statusUrl"] = statusUrl.AbsoluteUri,
                ["requestParameters"] = parameters,
                ["method"] = KickoffRequest.UsesPost(request) ? "POST" : "GET",
                ["errorCode"] = null,
            });
            return new ExportOperation(statusUrl, _http, _options, _logger, eventLog);
        }
    }

    // saver: saves the state as files complete, and at once when a file's upload starts (its id must outlive a crash).
    private async Task DownloadFilesAsync(BulkDataClientOptions options, List<ExportFileState> files, ExportManifest manifest, Uri manifestUrl, ExportTarget target, IProgress<DownloadProgress>? progress, ExportLog? eventLog, StateSaver? saver, CancellationToken cancellationToken)
    {
        var downloader = new FileDownloader(_http, options, _logger, eventLog);
        var pending = files.Where(f => f.Status != ExportFileStatus.Complete).ToList();
        await Parallel.ForEachAsync(
            pending,
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelDownloads, CancellationToken = cancellationToken },
            async (file, token) =>
            {
                await downloader.DownloadAsync(file, manifestUrl, manifest.RequiresAccessToken, target, progress, saver, token).ConfigureAwait(false);
                saver?.Changed();
            }).ConfigureAwait(false);
    }

    // name: what the request asks, in words, for wait notices (docs/cli.md, "Waits: explained and bounded").
    private async Task<JsonDocument> GetJsonAsync(Uri url, bool withToken, string name, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(
            u =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, u);
                request.Headers.TryAddWithoutValidation("Accept", "application/fhir+json");
                return request;
            },
            url,
            withToken,
            cancellationToken,
            name).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            // No status: the answer was a success, its body is the fault (and discovery must not take it for a missing document).
            throw new FhirBulkException($"{url} did not answer JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1} of its body)", null, url, null, isTransient: false, exception);
        }
    }
}
