namespace FhirBulk.Export;

/// <summary>A line of a downloaded file that is not a resource of the expected type.</summary>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Problem">What is wrong with it.</param>
public sealed record InvalidLine(long Line, string Problem);
