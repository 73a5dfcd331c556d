namespace FhirBulk.Tables;

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

/// <summary>
/// Thrown under <see cref="ViewErrorPolicy.Fail"/> when a view fails on a resource: names the
/// view (several views may read the same resource) and wraps the view's own exception.
/// </summary>
public sealed class ViewFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    /// <param name="error">What failed where.</param>
    /// <param name="innerException">The view's exception.</param>
    public ViewFailedException(ViewError error, Exception? innerException = null)
        : base(error?.ToString(), innerException)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>What failed where.</summary>
    public ViewError Error { get; }
}
