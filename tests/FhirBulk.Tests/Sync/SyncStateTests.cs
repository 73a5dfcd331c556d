using FhirBulk.Export;
using FhirBulk.Sync;

namespace FhirBulk.Tests.Sync;

public class SyncStateTests
{
    [Fact]
    public void Differences_TypesGivenWhereTheFolderHadNone_SaysAllTypesNotAnEmptyList()
    {
        var differences = SyncState.Differences(new ExportRequest(), new ExportRequest { Types = ["Patient"] });

        Assert.Equal(["types: all here, [\"Patient\"] now"], differences);
    }

    [Fact]
    public void Differences_TypeFiltersDropped_SaysNone()
    {
        var differences = SyncState.Differences(new ExportRequest { TypeFilters = ["Observation?code=1"] }, new ExportRequest());

        Assert.Equal(["typeFilters: [\"Observation?code=1\"] here, none now"], differences);
    }
}
