using System.Globalization;
using System.Net;
using FhirBulk.Http;

namespace FhirBulk.Export;

/// <summary>
/// A wait the client is about to make because of how a server answered: a retry after a failure, or the pause between
/// status polls. Reported through <see cref="BulkDataClientOptions.OnWait"/> so that an application can tell its user
/// what it is waiting for instead of looking hung.
/// </summary>
/// <param name="Request">What was asked, e.g. <c>status poll</c>, <c>kick-off</c>, <c>download of Patient.001.ndjson</c>, <c>token request</c>.</param>
/// <param name="Url">The URL that answered (or could not be reached).</param>
/// <param name="StatusCode">The HTTP status, or <see langword="null"/> when no response came (a network failure).</param>
/// <param name="Answer">The answer in words: <c>429 Too Many Requests</c>, an OperationOutcome summary, or the network error.</param>
/// <param name="Delay">How long the client waits.</param>
/// <param name="RequestedDelay">What the server asked for in Retry-After (before capping), or <see langword="null"/> when it asked nothing.</param>
/// <param name="IsRetry">True when the request is sent again after a failure; false for the wait between polls of a running export.</param>
public sealed record ServerWait(string Request, Uri Url, HttpStatusCode? StatusCode, string Answer, TimeSpan Delay, TimeSpan? RequestedDelay, bool IsRetry)
{
    /// <summary>True when the server asked for a longer wait than the client allows (<see cref="BulkDataClientOptions.MaxRetryDelay"/>, or <see cref="BulkDataClientOptions.MaxPollWait"/> when shorter).</summary>
    public bool Capped => RequestedDelay is { } requested && requested > Delay;

    /// <summary>
    /// The wait budget this wait was shortened to fit (<see cref="BulkDataClientOptions.MaxPollWait"/>), or <see langword="null"/>
    /// when it was not: the request is sent once more after it, and given up if the server still asks to wait.
    /// </summary>
    public TimeSpan? EndsBudget { get; init; }

    /// <summary>One line saying what answered what and how long the wait is.</summary>
    /// <returns>E.g. <c>status poll answered 429 Too Many Requests; waiting 120 s as the server asked (Retry-After)</c>.</returns>
    public string Describe()
    {
        var delay = Seconds(Delay);
        var why = EndsBudget is { } budget
            ? $"(the rest of the {Seconds(budget)} wait budget){(RequestedDelay is { } asked ? $" although the server asked for {Seconds(asked)} (Retry-After)" : string.Empty)}; then it gives up"
            : RequestedDelay is null ? (IsRetry ? "before trying again" : "before the next poll")
            : Capped ? $"although the server asked for {Seconds(RequestedDelay.Value)} (Retry-After): waits are capped at {delay}"
            : "as the server asked (Retry-After)";
        // The note is shown by default and a download's URL may be signed: it names the URL redacted, as the logs do.
        return $"{Request} ({UrlRedaction.Redacted(Url)}) answered {Answer}; waiting {delay} {why}";
    }

    /// <summary>A wait in seconds (or days, for the absurd ones servers send).</summary>
    internal static string Seconds(TimeSpan wait) => wait.TotalSeconds >= 1e7
        ? $"{wait.TotalDays.ToString("N0", CultureInfo.InvariantCulture)} days"
        : $"{Math.Round(wait.TotalSeconds, wait.TotalSeconds < 10 ? 1 : 0).ToString(CultureInfo.InvariantCulture)} s";
}
