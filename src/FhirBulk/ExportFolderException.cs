namespace FhirBulk;

/// <summary>
/// The local export folder cannot be used as asked: it holds an unfinished or another server's export, files this export
/// did not write, another process holds its lock, a file in it cannot be written (disk full, permissions), or its state
/// file is unreadable. The message names the folder (and the file, when one is at fault); nothing on the server is wrong.
/// </summary>
public class ExportFolderException : FhirBulkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="folder">The export folder.</param>
    /// <param name="message">What is wrong, naming the folder or file.</param>
    /// <param name="innerException">The underlying failure (an <see cref="IOException"/>, say), if any.</param>
    public ExportFolderException(string folder, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Folder = folder;
    }

    /// <summary>The export folder's path.</summary>
    public string Folder { get; }

    /// <summary>
    /// Whether a file in the folder could not be written (a full disk, a file-size limit, permissions): the export's state
    /// is kept, so that a resume once the cause is fixed carries on from where it stopped. <see langword="false"/> for a
    /// folder that cannot be used as asked (locked, foreign files, another export), which a resume would meet again.
    /// </summary>
    public bool IsWriteFailure { get; init; }
}
