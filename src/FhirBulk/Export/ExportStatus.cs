namespace FhirBulk.Export;

/// <summary>One answer of the status endpoint.</summary>
/// <param name="IsComplete">True once the manifest is available.</param>
/// <param name="Progress">The server's <c>X-Progress</c> text while in progress (e.g. <c>"42% complete"</c>).</param>
/// <param name="RetryAfter">How long the server asked the client to wait before polling again (already clamped).</param>
/// <param name="Manifest">The complete manifest (all pages), once <see cref="IsComplete"/>.</param>
public sealed record ExportStatus(bool IsComplete, string? Progress, TimeSpan? RetryAfter, ExportManifest? Manifest)
{
    /// <summary>What the server's Retry-After asked for before it was clamped to [MinPollInterval, MaxRetryDelay]; null when it sent none.</summary>
    public TimeSpan? RequestedRetryAfter { get; init; }
}
