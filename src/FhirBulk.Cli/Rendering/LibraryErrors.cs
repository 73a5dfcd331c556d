using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Views;

namespace FhirBulk.Cli.Rendering;

/// <summary>Maps the FhirBulk library's exceptions to exit codes and one-line messages.</summary>
internal static class LibraryErrors
{
    public static (int Code, string Message)? Classify(Exception exception) => exception switch
    {
        MalformedNdjsonException e => (ExitCodes.InvalidInput, e.Message),
        ViewEvaluationException e => (ExitCodes.InvalidInput, e.Message),
        ViewDefinitionException e => (ExitCodes.InvalidInput, $"invalid ViewDefinition: {e.Message}"),
        TableSinkException e => (ExitCodes.InvalidInput, e.Message),
        DuckDBException e => (ExitCodes.InvalidInput, $"DuckDB: {e.Message}"),
        _ => null,
    };
}
