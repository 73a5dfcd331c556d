namespace FhirBulk.Benchmarks.Download;

/// <summary>Our client's side of the download benchmark (filled in once branch <c>client</c> lands).</summary>
internal static class ClientDownload
{
    public const string Step = "client-download";
}
