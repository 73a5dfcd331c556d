namespace FhirBulk.Views;

/// <summary>
/// A valid view could not be evaluated against one resource: a column without
/// <c>collection: true</c> got several values, a <c>where</c> path gave no boolean, a FHIRPath
/// function failed, or the resource could not be read. Names the resource's file and 1-based line,
/// the element of the view and, when a table run stops on it under <see cref="ErrorPolicy.Fail"/>, the view.
/// </summary>
public sealed class ViewEvaluationException : FhirBulkException
{
    /// <summary>Creates an exception with a message only.</summary>
    /// <param name="message">What went wrong.</param>
    public ViewEvaluationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception wrapping <paramref name="innerException"/>.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ViewEvaluationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception naming the resource and the view element that failed.</summary>
    /// <param name="sourceName">The file (or <c>stdin</c>) the resource came from.</param>
    /// <param name="lineNumber">The resource's 1-based line number.</param>
    /// <param name="elementPath">The view element being evaluated, e.g. <c>select[0].column[1].path</c>; empty when none.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ViewEvaluationException(string sourceName, long lineNumber, string elementPath, string message, Exception? innerException)
        : base(Format(sourceName, lineNumber, elementPath, message), innerException)
    {
        SourceName = sourceName;
        LineNumber = lineNumber;
        ElementPath = elementPath;
    }

    /// <summary>Creates the exception a table run stops with when <paramref name="error"/>'s view fails under <see cref="ErrorPolicy.Fail"/>.</summary>
    /// <param name="error">Which view failed on which resource.</param>
    /// <param name="innerException">The view's own failure.</param>
    public ViewEvaluationException(ViewError error, Exception? innerException)
        : base(error?.ToString() ?? string.Empty, innerException)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
        SourceName = error.SourceName;
        LineNumber = error.LineNumber;
        ElementPath = (innerException as ViewEvaluationException)?.ElementPath;
    }

    /// <summary>The file the resource came from, or <see langword="null"/> when unknown.</summary>
    public string? SourceName { get; }

    /// <summary>The resource's 1-based line number in <see cref="SourceName"/>.</summary>
    public long LineNumber { get; }

    /// <summary>The view element that was being evaluated, or <see langword="null"/>.</summary>
    public string? ElementPath { get; }

    /// <summary>The view, file, line and resource, when a table run stopped on this failure; otherwise <see langword="null"/>.</summary>
    public ViewError? Error { get; }

    private static string Format(string sourceName, long lineNumber, string elementPath, string message) =>
        string.IsNullOrEmpty(elementPath)
            ? $"{sourceName}:{lineNumber}: {message}"
            : $"{sourceName}:{lineNumber}: {elementPath}: {message}";
}
