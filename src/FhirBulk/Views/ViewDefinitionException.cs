namespace FhirBulk.Views;

/// <summary>
/// A ViewDefinition breaks the SQL-on-FHIR v2 specification, or cannot be evaluated against a
/// resource. <see cref="ElementPath"/> names the offending element, e.g.
/// <c>select[1].column[0].name</c>.
/// </summary>
public sealed class ViewDefinitionException : FhirBulkException
{
    /// <summary>Creates an exception with a message only.</summary>
    /// <param name="message">What is wrong.</param>
    public ViewDefinitionException(string message) : base(message)
    {
    }

    /// <summary>Creates an exception wrapping <paramref name="innerException"/>.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ViewDefinitionException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates an exception naming the element of the view that is wrong.</summary>
    /// <param name="elementPath">Where in the view, e.g. <c>select[0].forEach</c>.</param>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="innerException">The underlying error (a FHIRPath parse error, say), if any.</param>
    public ViewDefinitionException(string elementPath, string message, Exception? innerException)
        : base(string.IsNullOrEmpty(elementPath) ? message : $"{elementPath}: {message}", innerException)
    {
        ElementPath = elementPath;
    }

    /// <summary>Creates an exception naming the file of a view that is wrong.</summary>
    /// <param name="fileName">The file the view was read from (or another name for it); the message starts with it.</param>
    /// <param name="innerException">What is wrong with the view; its <see cref="ElementPath"/> is kept.</param>
    public ViewDefinitionException(string fileName, ViewDefinitionException innerException)
        : base($"{fileName}: {innerException?.Message}", innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(innerException);
        FileName = fileName;
        ElementPath = innerException.ElementPath;
    }

    /// <summary>
    /// The file the view was read from (as <see cref="ViewDefinitionLoader"/> names it), or <see langword="null"/>
    /// when not known.
    /// </summary>
    public string? FileName { get; }

    /// <summary>
    /// The JSON path of the offending element within the ViewDefinition (empty for the root), or
    /// <see langword="null"/> when not known.
    /// </summary>
    public string? ElementPath { get; }
}
