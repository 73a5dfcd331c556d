using System.Net;
using System.Reflection;
using System.Xml.Linq;
using FhirBulk.Export;
using FhirBulk.Tests.Support;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Export;

/// <summary>The API rule that public docs name the exceptions thrown, held for the public async methods of FhirBulk.Export.</summary>
public sealed class ExportExceptionDocsTests
{
    [Fact]
    public void PublicAsyncMethodsOfExport_EachOverloadDocumentsTheExceptionsItThrows()
    {
        var assembly = typeof(BulkDataClient).Assembly;
        var docs = XDocument.Load(Path.ChangeExtension(assembly.Location, ".xml"));
        var members = docs.Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m);
        var methods = assembly.GetExportedTypes()
            .Where(t => t.Namespace == "FhirBulk.Export")
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(methods);
        var undocumented = methods
            .GroupBy(m => $"M:{m.DeclaringType!.FullName}.{m.Name}")
            .Where(g => members.Count(kv => kv.Key == g.Key || kv.Key.StartsWith(g.Key + "(", StringComparison.Ordinal)) != g.Count()
                || members.Where(kv => kv.Key == g.Key || kv.Key.StartsWith(g.Key + "(", StringComparison.Ordinal)).Any(kv => !kv.Value.Elements("exception").Any()))
            .Select(g => g.Key);
        Assert.Empty(undocumented);
    }

    [Fact]
    public async Task DownloadAsync_AFileFails_SetsHasFailuresInsteadOfThrowing()
    {
        using var dir = new TempFolder();
        var manifest = ExportManifest.Parse("""
            {"transactionTime":"2026-01-01T00:00:00Z","requiresAccessToken":false,
             "output":[{"type":"Patient","url":"https://x.org/f/ok"},{"type":"Condition","url":"https://x.org/f/broken"}]}
            """u8);
        var handler = new StubHandler((request, _) => request.RequestUri!.AbsolutePath.EndsWith("/ok", StringComparison.Ordinal)
            ? StubHandler.Json(HttpStatusCode.OK, "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n")
            : StubHandler.Json(HttpStatusCode.BadRequest, "{}"));
        using var client = new BulkDataClient(new Uri("https://x.org/fhir"), new BulkDataClientOptions { HttpClient = new HttpClient(handler), MaxRetries = 0 });

        var result = await client.DownloadAsync(manifest, dir.Path);

        Assert.True(result.HasFailures);
        Assert.Equal(ExportFileStatus.Complete, Assert.Single(result.Files, f => f.Type == "Patient").Status);
        var failed = Assert.Single(result.Files, f => f.Type == "Condition");
        Assert.Equal(ExportFileStatus.Failed, failed.Status);
        Assert.NotNull(failed.Error);
    }
}
