namespace FhirBulk.Sync;

/// <summary>
/// An increment's export finished, but not everything came through (<see cref="Export.ExportOutcome.PartialSuccess"/>: the
/// server reported error issues, lines were invalid, or a file held another count than the manifest's). It is not applied:
/// tables that took it would lack the failed resources' new versions for good, because the next increment asks only for
/// changes since this one's transactionTime. The increment is moved to <c>refused/</c>, and the next
/// <see cref="FhirSync.SyncAsync"/> exports the same changes again, from the same <c>_since</c>.
/// </summary>
public sealed class IncompleteIncrementException : FhirBulkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, naming the increment, what failed and where it was kept.</param>
    /// <param name="increment">The increment's number (1 for the first, full export).</param>
    /// <param name="keptIn">The folder under <c>refused/</c> its export was moved to.</param>
    public IncompleteIncrementException(string message, int increment, string keptIn)
        : base(message)
    {
        Increment = increment;
        KeptIn = keptIn;
    }

    /// <summary>The increment's number (1 for the first, full export).</summary>
    public int Increment { get; }

    /// <summary>The folder under <c>refused/</c> its export was moved to, to look at.</summary>
    public string KeptIn { get; }
}
