using FhirBulk.Views;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tests.Views.Workshop;

public class WorkshopViewsTests
{
    // The seed notebook's Patient mapping, plus a multi-valued column.
    private static readonly WorkshopColumn[] PatientColumns =
    [
        ("id", "identifier[0].value"),
        ("gender", "gender"),
        ("date_of_birth", "birthDate"),
        ("marital_status", "maritalStatus.coding.first().code"),
        ("given", "name.given"),
    ];

    [Fact]
    public void Create_SeedColumns_SingleValuedUnwrappedAndMultiValuedAsLists()
    {
        var view = WorkshopViews.Create("Patient", PatientColumns);

        Assert.Equal("patient", view.Name);
        Assert.Equal([false, false, false, false, true], view.Select[0].Columns.Select(c => c.Collection));
    }

    [Fact]
    public void Create_ExplicitCollection_WinsOverTheModel()
    {
        var view = WorkshopViews.Create("Patient", [new WorkshopColumn("given", "name.given") { Collection = false }]);

        Assert.False(view.Select[0].Columns[0].Collection);
    }

    [Fact]
    public void Create_UnknownFunction_NamesTheColumn()
    {
        var ex = Assert.Throws<ViewDefinitionException>(() => WorkshopViews.Create("Patient", [("x", "name.nope()")]));

        Assert.Equal("select[0].column[0].path", ex.ElementPath);
    }

    [Fact]
    public void Evaluate_SeedColumns_GiveValuesAndLists()
    {
        var view = ViewDefinitionCompiler.Compile(WorkshopViews.Create("Patient", PatientColumns));
        var line = Resources.Line("""
            {"resourceType":"Patient","identifier":[{"value":"mrn-1"}],"gender":"male","birthDate":"2001-02-03",
             "maritalStatus":{"coding":[{"code":"M"}]},"name":[{"given":["Al"]},{"given":["B","C"]}]}
            """);

        var row = Assert.Single(view.Evaluate(line));

        Assert.Equal(["mrn-1", "male", "2001-02-03", "M"], row[..4]);
        Assert.Equal(["Al", "B", "C"], Assert.IsType<IReadOnlyList<object?>>(row[4], exactMatch: false));
    }

    [Theory]
    [InlineData("valueCodeableConcept.coding.first().code", "value.ofType(CodeableConcept).coding.first().code")]
    [InlineData("valueQuantity.value", "value.ofType(Quantity).value")]
    [InlineData("valueString", "value.ofType(string)")]
    [InlineData("effectiveDateTime", "effective.ofType(dateTime)")]
    [InlineData("component.valueQuantity.unit", "component.value.ofType(Quantity).unit")]
    [InlineData("code.coding[0].code", "code.coding[0].code")]
    [InlineData("value.ofType(Quantity).value", "value.ofType(Quantity).value")]
    [InlineData("valueNope", "valueNope")]
    public void Create_ChoiceElementInJsonSpelling_ReadAsOfType(string written, string expected)
    {
        var view = WorkshopViews.Create("Observation", [("c", written)]);

        Assert.Equal(expected, view.Select[0].Columns[0].Path);
    }

    [Fact]
    public void Evaluate_SeedSmokingStatusColumns_ReadTheCodeableConceptValue()
    {
        // The workshop's Observation mapping, verbatim.
        var view = ViewDefinitionCompiler.Compile(WorkshopViews.Create("Observation",
        [
            ("type", "code.coding.first().code"),
            ("code", "valueCodeableConcept.coding.first().code"),
            ("code_display", "valueCodeableConcept.coding.first().display"),
        ]));
        var line = Resources.Line("""
            {"resourceType":"Observation","code":{"coding":[{"code":"72166-2"}]},
             "valueCodeableConcept":{"coding":[{"code":"266919005","display":"Never smoker"}]}}
            """);

        var row = Assert.Single(view.Evaluate(line));

        Assert.Equal(["72166-2", "266919005", "Never smoker"], row);
    }

    [SharedFact]
    public void Evaluate_SeedColumnsOnSynthea_OneRowPerPatient()
    {
        var view = ViewDefinitionCompiler.Compile(WorkshopViews.Create("Patient", PatientColumns));

        var rows = view.Rows(Resources.Synthea("Patient"));

        Assert.Equal(13, rows.Count);
        Assert.All(rows, r => Assert.Contains(r[1], new object?[] { "male", "female" }));
        Assert.All(rows, r => Assert.NotEmpty(Assert.IsType<IReadOnlyList<object?>>(r[4], exactMatch: false)));
    }
}
