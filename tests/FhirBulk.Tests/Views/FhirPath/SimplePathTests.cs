using FhirBulk.Views.FhirPath;
using Hl7.FhirPath;

namespace FhirBulk.Tests.Views.FhirPath;

public class SimplePathTests
{
    private static readonly FhirPathCompiler Compiler = new(SqlOnFhirSymbols.Create());

    // getReferenceKey's type is a string literal by the time it is parsed (FirelyPathEngine rewrites it).
    [Theory]
    [InlineData("name[0].given.first()")]
    [InlineData("getResourceKey()")]
    [InlineData("subject.getReferenceKey('Patient')")]
    [InlineData("participant.individual.getReferenceKey()")]
    [InlineData("value.ofType(Quantity).value")]
    [InlineData("value.ofType(FHIR.Quantity).unit")]
    [InlineData("ofType(Observation).getResourceKey()")]
    [InlineData("medication.ofType(CodeableConcept).coding.first().code")]
    public void TryCreate_NavigationAndSingleItemFunctions_TakesTheFastPath(string expression)
    {
        Assert.NotNull(SimplePath.TryCreate(Compiler.Parse(expression), Compiler.Compile));
    }

    [Theory]
    [InlineData("name.where(use = 'official')")]
    [InlineData("Patient.name")]
    [InlineData("name.exists()")]
    [InlineData("getReferenceKey(%type)")]
    [InlineData("name.first(1)")]
    [InlineData("%resource.id")]
    public void TryCreate_AnythingElse_LeftToFirely(string expression)
    {
        Assert.Null(SimplePath.TryCreate(Compiler.Parse(expression), Compiler.Compile));
    }
}
