namespace FhirBulk;

/// <summary>
/// A local input file is not in the format FhirBulk expects (a SQL-on-FHIR test file, say); the message names the file and
/// what is wrong. Inputs with a richer error of their own use it instead: NDJSON lines
/// (<see cref="Ndjson.MalformedNdjsonException"/>) and ViewDefinitions (<see cref="Views.ViewDefinitionException"/>).
/// </summary>
public sealed class InvalidInputException : FhirBulkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    /// <param name="innerException">The underlying failure (a JSON parse error, say), if any.</param>
    public InvalidInputException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
