using System.Diagnostics;

namespace FhirBulk.Diagnostics;

/// <summary>The <see cref="ActivitySource"/> named after the package, for tracing exports, polls and downloads.</summary>
public static class FhirBulkActivitySource
{
    /// <summary>The source name to listen to: <c>FhirBulk</c>.</summary>
    public const string Name = "FhirBulk";

    internal static readonly ActivitySource Source = new(Name, typeof(FhirBulkActivitySource).Assembly.GetName().Version?.ToString());
}
