using FhirBulk.Sync;

namespace FhirBulk.Tests.Sync;

public class SyncViewsTests
{
    private const string Patients = """{"resourceType": "ViewDefinition", "name": "patients", "resource": "Patient", "select": [{"column": [{"name": "id", "path": "id"}]}]}""";

    [Fact]
    public void Fingerprint_SameDefinitions_Same() =>
        Assert.Equal(SyncViews.FromJson([KeyValuePair.Create("p.json", Patients)]).Fingerprint, SyncViews.FromJson([KeyValuePair.Create("p.json", Patients)]).Fingerprint);

    [Fact]
    public void Fingerprint_AnEditOrARename_Differs()
    {
        var original = SyncViews.FromJson([KeyValuePair.Create("p.json", Patients)]).Fingerprint;
        Assert.NotEqual(original, SyncViews.FromJson([KeyValuePair.Create("p.json", Patients.Replace("\"id\"}", "\"id\"}, {\"name\": \"g\", \"path\": \"gender\"}", StringComparison.Ordinal))]).Fingerprint);
        Assert.NotEqual(original, SyncViews.FromJson([KeyValuePair.Create("q.json", Patients)]).Fingerprint);
    }
}
