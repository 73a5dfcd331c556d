namespace FhirBulk.Tables;

/// <summary>
/// What a run does when a view fails on one resource (for example a column expecting one value
/// gets several), or the sink cannot store one of its values (an <c>instant</c> that is not one).
/// </summary>
public enum ViewErrorPolicy
{
    /// <summary>Record the failure in <see cref="TableRunResult.ViewErrors"/>, skip that resource's rows for that view, carry on (the default).</summary>
    Skip,

    /// <summary>Stop the run with a <see cref="ViewFailedException"/> naming the view, file and line.</summary>
    Fail,
}
