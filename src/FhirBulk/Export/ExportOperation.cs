using System.Net;
using FhirBulk.Diagnostics;
using FhirBulk.Http;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Export;

/// <summary>
/// A running export (a long-running operation): poll it with <see cref="UpdateStatusAsync"/>, wait for its manifest with
/// <see cref="WaitForCompletionAsync"/>, cancel it with <see cref="DeleteAsync"/>. Rebuild one from a saved status URL
/// with <see cref="BulkDataClient.GetExportOperation"/>.
/// </summary>
public sealed class ExportOperation
{
    private readonly BulkHttp _http;
    private readonly BulkDataClientOptions _options;
    private readonly ILogger _logger;
    private readonly Backoff _pollBackoff;

    internal ExportOperation(Uri statusUrl, BulkHttp http, BulkDataClientOptions options, ILogger logger, ExportLog? eventLog)
    {
        StatusUrl = statusUrl;
        _http = http;
        _options = options;
        _logger = logger;
        EventLog = eventLog;
        _pollBackoff = new Backoff(options.MinPollInterval * 2, options.MaxPollInterval, options.Random);
    }

    /// <summary>The status URL (the kick-off response's <c>Content-Location</c>); save it to resume later.</summary>
    public Uri StatusUrl { get; }

    /// <summary>True once the manifest has been received.</summary>
    public bool HasCompleted => Manifest is not null;

    /// <summary>The manifest, once complete.</summary>
    public ExportManifest? Manifest { get; private set; }

    internal ExportLog? EventLog { get; set; }

    /// <summary>Polls the status endpoint once (retrying transient failures) and returns what it said.</summary>
    /// <param name="cancellationToken">Cancels the poll.</param>
    /// <returns>The status; complete with the whole manifest (every page followed) when the export is done.</returns>
    /// <exception cref="WaitBudgetExceededException">The server went on asking the client to wait (429, or a transient
    /// OperationOutcome) for longer than <see cref="BulkDataClientOptions.MaxPollWait"/>; the job may be fine: poll again later.</exception>
    /// <exception cref="AuthenticationException">The token was refused.</exception>
    /// <exception cref="FhirBulkException">The export failed, the job is gone (404: expired or deleted), the manifest is not
    /// valid, or the server did not answer within the retries.</exception>
    public async Task<ExportStatus> UpdateStatusAsync(CancellationToken cancellationToken = default)
    {
        using var activity = FhirBulkActivitySource.Source.StartActivity("FhirBulk.ExportStatus");
        HttpResponseMessage response;
        try
        {
            // A 429 or a transient OperationOutcome here is the server asking for patience: honoured for MaxPollWait, not MaxRetries times.
            response = await _http.SendAsync(Get, StatusUrl, withToken: true, cancellationToken, "status poll", _options.MaxPollWait).ConfigureAwait(false);
        }
        catch (FhirBulkException exception)
        {
            EventLog?.Write("status_error", new() { ["code"] = (int?)exception.StatusCode, ["message"] = exception.Message });
            if (exception.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                throw new FhirBulkException($"The export job at {StatusUrl} is gone (expired or deleted): {exception.Message}", exception.StatusCode, StatusUrl, exception.OperationOutcome, isTransient: false, exception);
            }

            throw;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var progress = response.Headers.TryGetValues("X-Progress", out var values) ? values.FirstOrDefault() : null;
                var longest = _options.LongestWait > _options.MinPollInterval ? _options.LongestWait : _options.MinPollInterval;
                var wait = RetryAfter.Parse(response, _http.Time.GetUtcNow(), _options.MinPollInterval, longest);
                Log.ExportProgress(_logger, progress);
                EventLog?.Write("status_progress", new()
                {
                    ["xProgressHeader"] = progress,
                    ["retryAfterHeader"] = response.Headers.TryGetValues("Retry-After", out var retry) ? retry.FirstOrDefault() : null,
                });
                return new ExportStatus(false, progress, wait, null)
                {
                    RequestedRetryAfter = RetryAfter.Parse(response, _http.Time.GetUtcNow(), TimeSpan.Zero, TimeSpan.MaxValue),
                };
            }

            var manifest = await ReadManifestAsync(response, cancellationToken).ConfigureAwait(false);
            await FollowPagesAsync(manifest, cancellationToken).ConfigureAwait(false);
            Manifest = manifest;
            Log.ExportComplete(_logger, manifest.Output.Count, manifest.Error.Count, manifest.Deleted.Count);
            EventLog?.Write("status_complete", new()
            {
                ["transactionTime"] = manifest.TransactionTime,
                ["outputFileCount"] = manifest.Output.Count,
                ["deletedFileCount"] = manifest.Deleted.Count,
                ["errorFileCount"] = manifest.Error.Count,
            });
            return new ExportStatus(true, null, null, manifest);
        }
    }

    /// <summary>Polls until the export completes, waiting as the server asks (Retry-After, clamped) or with backoff.</summary>
    /// <param name="progress">Receives every in-progress status (for a progress bar) and the final one.</param>
    /// <param name="cancellationToken">Stops waiting; the job keeps running on the server.</param>
    /// <returns>The complete manifest.</returns>
    /// <exception cref="WaitBudgetExceededException">A status poll was asked to wait (429, or a transient OperationOutcome)
    /// for longer than <see cref="BulkDataClientOptions.MaxPollWait"/> in a row; the job may be fine: wait again later.</exception>
    /// <exception cref="AuthenticationException">The token was refused.</exception>
    /// <exception cref="FhirBulkException">As for <see cref="UpdateStatusAsync"/>: the export failed, the job is gone, the
    /// manifest is not valid, or the server did not answer within the retries.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ExportManifest> WaitForCompletionAsync(IProgress<ExportStatus>? progress = null, CancellationToken cancellationToken = default)
    {
        for (var poll = 1; ; poll++)
        {
            var status = await UpdateStatusAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(status);
            if (status.Manifest is { } manifest)
            {
                return manifest;
            }

            var wait = status.RetryAfter ?? _pollBackoff.Delay(poll);
            _options.OnWait?.Invoke(new ServerWait("status poll", StatusUrl, HttpStatusCode.Accepted, $"202 Accepted (in progress{(status.Progress is null ? string.Empty : ": " + status.Progress)})", wait, status.RequestedRetryAfter, IsRetry: false));
            await Task.Delay(wait, _http.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Cancels the export, or tells the server its files may be deleted (DELETE on the status URL).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the job was already gone (404 or 410); that does not throw.</returns>
    /// <exception cref="AuthenticationException">The token was refused.</exception>
    /// <exception cref="FhirBulkException">The server refused the deletion (any other error status, its OperationOutcome
    /// attached), or did not answer within the retries.</exception>
    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _http.SendAsync(url => new HttpRequestMessage(HttpMethod.Delete, url), StatusUrl, withToken: true, cancellationToken, "job deletion").ConfigureAwait(false);
            return true;
        }
        catch (FhirBulkException exception) when (exception.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return false;
        }
    }

    private static HttpRequestMessage Get(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        return request;
    }

    private async Task<ExportManifest> ReadManifestAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ExportManifest.Parse(body);
        }
        catch (System.Text.Json.JsonException exception)
        {
            throw new FhirBulkException($"The manifest at {response.RequestMessage?.RequestUri ?? StatusUrl} is not valid: {exception.Message}", response.StatusCode, StatusUrl, null, isTransient: false, exception);
        }
    }

    private async Task FollowPagesAsync(ExportManifest manifest, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (manifest.NextPage is { } next && seen.Add(next))
        {
            var url = new Uri(StatusUrl, next);
            using var response = await _http.SendAsync(Get, url, withToken: BulkHttp.SameOrigin(url, StatusUrl), cancellationToken, "manifest page").ConfigureAwait(false);
            manifest.Append(await ReadManifestAsync(response, cancellationToken).ConfigureAwait(false));
        }

        manifest.Link = null;
    }
}
