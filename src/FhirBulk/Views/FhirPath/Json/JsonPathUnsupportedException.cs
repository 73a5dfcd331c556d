namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// An expression uses something the JSON engine does not evaluate (an unknown function, a construct it leaves to
/// Firely). Raised at compile time only, so that the expression is compiled with the Firely engine instead; never seen
/// by users except as the reason <c>view --explain</c> gives.
/// </summary>
internal sealed class JsonPathUnsupportedException(string reason) : Exception(reason);
