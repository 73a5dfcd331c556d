using FhirBulk.Views.Conformance;

namespace FhirBulk.Tests.Views.Conformance;

/// <summary>The official SQL-on-FHIR v2 suite, one xunit case per test so a failure names it.</summary>
public class OfficialSuiteTests
{
    private static readonly Lazy<Dictionary<(string File, string Name), ConformanceTestCase>> Cases = new(Load);

    public static TheoryData<string, string> Tests()
    {
        var data = new TheoryData<string, string>();
        if (SharedData.Folder is null)
        {
            // The theory is skipped; xunit still wants a row to show.
            data.Add("(none)", SharedData.SkipReason);
            return data;
        }

        foreach (var key in Cases.Value.Keys)
        {
            data.Add(key.File, key.Name);
        }

        return data;
    }

    [SharedTheory]
    [MemberData(nameof(Tests))]
    public void Run_OfficialTest_Passes(string file, string name)
    {
        var result = new ViewConformanceRunner().Run(Cases.Value[(file, name)]);

        Assert.True(result.Passed, result.Error);
    }

    [SharedFact]
    public async Task RunAsync_WholeSuite_Passes144AndWritesTheOfficialReport()
    {
        var report = await new ViewConformanceRunner().RunAsync([SharedData.Path("sql-on-fhir-v2", "tests")]);
        using var stream = new MemoryStream();
        await report.WriteTestReportAsync(stream);
        stream.Position = 0;
        using var json = await System.Text.Json.JsonDocument.ParseAsync(stream);

        Assert.Equal(144, report.Total);
        Assert.Equal(144, report.Passed);
        Assert.Equal(11, json.RootElement.GetProperty("basic.json").GetProperty("tests").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("basic.json").GetProperty("tests")[0].GetProperty("result").GetProperty("passed").GetBoolean());
    }

    private static Dictionary<(string File, string Name), ConformanceTestCase> Load()
    {
        var cases = ViewConformanceRunner.LoadAsync([SharedData.Path("sql-on-fhir-v2", "tests")]).GetAwaiter().GetResult();
        return cases.ToDictionary(c => (c.File, c.Name));
    }
}
