using FhirBulk.Export;

namespace FhirBulk.Tests.Export;

public class ExportRequestDifferencesTests
{
    [Fact]
    public void Differences_TypesGivenWhereTheFolderHadNone_SaysAllTypesNotAnEmptyList()
    {
        var differences = ExportRequestDifferences.Of(new ExportRequest(), new ExportRequest { Types = ["Patient"] });

        Assert.Equal(["types: all here, [\"Patient\"] now"], differences);
    }

    [Fact]
    public void Differences_TypeFiltersDropped_SaysNone()
    {
        var differences = ExportRequestDifferences.Of(new ExportRequest { TypeFilters = ["Observation?code=1"] }, new ExportRequest());

        Assert.Equal(["typeFilters: [\"Observation?code=1\"] here, none now"], differences);
    }

    [Fact]
    public void Differences_SystemLevelAgainstPatient_NamesTheSystemLevel()
    {
        var differences = ExportRequestDifferences.Of(new ExportRequest { Level = ExportLevel.System }, new ExportRequest { Level = ExportLevel.Patient });

        Assert.Equal(["level: \"System\" here, \"Patient\" now"], differences);
    }
}
