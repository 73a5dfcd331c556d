namespace FhirBulk.Cli.Rendering;

/// <summary>Maps the FhirBulk library's exceptions to exit codes and one-line messages.</summary>
internal static class LibraryErrors
{
    public static (int Code, string Message)? Classify(Exception exception) => exception switch
    {
        _ => null,
    };
}
