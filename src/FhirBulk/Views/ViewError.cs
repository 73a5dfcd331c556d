namespace FhirBulk.Views;

/// <summary>A view that failed on one resource.</summary>
/// <param name="View">The view's name.</param>
/// <param name="SourceName">The file (or <c>stdin</c>) holding the resource.</param>
/// <param name="LineNumber">The resource's 1-based line number.</param>
/// <param name="ResourceId">The resource's id, when it has one.</param>
/// <param name="Message">The failure.</param>
public sealed record ViewError(string View, string SourceName, long LineNumber, string? ResourceId, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{SourceName}:{LineNumber}: view '{View}' failed on {ResourceId ?? "a resource without id"}: {Message}";
}
