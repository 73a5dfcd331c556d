using System.Text.Json;
using FhirBulk.Views;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tests.Views.Workshop;

public class FlattenViewBuilderTests
{
    private static FlattenViewBuilder CreateSut(params string[] resources)
    {
        var builder = new FlattenViewBuilder("Patient");
        foreach (var json in resources)
        {
            builder.Add(Resources.Line(json));
        }

        return builder;
    }

    [Fact]
    public void Build_NestedArrays_FlattenJsonNamesAndIndexedPaths()
    {
        var view = CreateSut("""{"resourceType":"Patient","id":"a","name":[{"family":"X","given":["A","B"]}]}""").Build();

        Assert.Equal(
            [("id", "id"), ("name_0_family", "name[0].family"), ("name_0_given_0", "name[0].given[0]"), ("name_0_given_1", "name[0].given[1]")],
            view.Select[0].Columns.Select(c => (c.Name, c.Path)));
    }

    [Fact]
    public void Build_ColumnsAreTheUnionInStableOrder()
    {
        var view = CreateSut(
            """{"resourceType":"Patient","id":"a","name":[{"given":["A"]}]}""",
            """{"resourceType":"Patient","id":"b","gender":"male","name":[{"given":["B","C"]},{"family":"Z"}]}""").Build();

        Assert.Equal(
            ["id", "name_0_given_0", "name_0_given_1", "name_1_family", "gender"],
            view.Select[0].Columns.Select(c => c.Name));
    }

    [Fact]
    public void Build_ChoiceElement_BecomesOfTypePath()
    {
        var view = CreateSut("""{"resourceType":"Patient","deceasedDateTime":"2020-01-01","extension":[{"url":"u","valueCoding":{"code":"c"}}]}""").Build();

        Assert.Equal(
            ["deceased.ofType(dateTime)", "extension[0].url", "extension[0].value.ofType(Coding).code"],
            view.Select[0].Columns.Select(c => c.Path));
    }

    [Fact]
    public void Build_PrimitiveExtensionsAndResourceType_AreLeftOut()
    {
        var view = CreateSut("""{"resourceType":"Patient","birthDate":"2000","_birthDate":{"extension":[{"url":"u"}]}}""").Build();

        Assert.Equal(["birthDate"], view.Select[0].Columns.Select(c => c.Name));
    }

    [SharedFact]
    public void Build_SyntheaPatients_EveryValueLandsInItsColumn()
    {
        var builder = new FlattenViewBuilder("Patient");
        foreach (var line in Resources.Synthea("Patient"))
        {
            builder.Add(line);
        }

        var view = ViewDefinitionCompiler.Compile(builder.Build());
        var rows = view.Rows(Resources.Synthea("Patient"));
        var names = view.Schema.Columns.Select(c => c.Name).ToList();

        Assert.Equal(13, builder.ResourceCount);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Contains("name_0_given_0", names);
        Assert.Contains("address_0_line_0", names);
        Assert.Contains("extension_0_extension_0_valueCoding_code", names);
        Assert.All(view.Schema.Columns, c => Assert.False(c.IsCollection));
        Assert.Equal(13, rows.Count);

        // Spot-check against the raw JSON: every row's given name and first address line.
        var raw = Resources.Synthea("Patient").Select(l => JsonDocument.Parse(l.Json).RootElement).ToList();
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(raw[i].GetProperty("id").GetString(), rows[i][names.IndexOf("id")]);
            Assert.Equal(raw[i].GetProperty("name")[0].GetProperty("given")[0].GetString(), rows[i][names.IndexOf("name_0_given_0")]);
            Assert.Equal(raw[i].GetProperty("address")[0].GetProperty("line")[0].GetString(), rows[i][names.IndexOf("address_0_line_0")]);
        }
    }

    [SharedFact]
    public void Build_SameInputTwice_SameColumns()
    {
        static IEnumerable<string> Columns()
        {
            var builder = new FlattenViewBuilder("Encounter");
            foreach (var line in Resources.Synthea("Encounter"))
            {
                builder.Add(line);
            }

            return builder.Build().Select[0].Columns.Select(c => c.Name);
        }

        Assert.Equal(Columns(), Columns());
    }

    [SharedFact]
    public void Build_EverySyntheaType_CompilesAndRuns()
    {
        foreach (var type in new[] { "Condition", "Encounter", "MedicationRequest", "Procedure", "Immunization", "Organization", "Practitioner", "Location", "Device", "AllergyIntolerance", "PractitionerRole", "DocumentReference" })
        {
            var builder = new FlattenViewBuilder(type);
            foreach (var line in Resources.Synthea(type))
            {
                builder.Add(line);
            }

            var view = ViewDefinitionCompiler.Compile(builder.Build());

            Assert.Equal(builder.ResourceCount, view.Rows(Resources.Synthea(type)).Count);
        }
    }
}
