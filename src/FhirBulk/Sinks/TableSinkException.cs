namespace FhirBulk.Sinks;

/// <summary>A sink could not store a table or a value; the message names the table and column, or the file it could not write.</summary>
public sealed class TableSinkException : FhirBulkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, naming the table (and column).</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public TableSinkException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// The output file that could not be written (a full disk, a read-only or permission-denied folder): the table's file,
    /// not the temporary one it was staged in; <see langword="null"/> for a value the table cannot store.
    /// </summary>
    public string? Path { get; init; }

    /// <summary>
    /// Whether an output file could not be written (see <see cref="Path"/>), which stops the run, where a value that does
    /// not fit only skips its row.
    /// </summary>
    public bool IsWriteFailure => Path is not null;

    /// <summary>The failure to write <paramref name="path"/>, in the words an export's full disk uses (<see cref="FileWrites.Describe"/>).</summary>
    internal static TableSinkException WriteFailure(string path, Exception exception) =>
        new(FileWrites.Describe(path, exception), exception) { Path = path };
}
