namespace FhirBulk.Sinks;

/// <summary>A sink could not store a table or a value; the message names the table and column.</summary>
public sealed class TableSinkException : FhirBulkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, naming the table (and column).</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public TableSinkException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
