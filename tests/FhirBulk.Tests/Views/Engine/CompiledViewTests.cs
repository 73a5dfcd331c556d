using FhirBulk.Views;

namespace FhirBulk.Tests.Views.Engine;

public class CompiledViewTests
{
    private const string Patient = """
        {"resourceType":"Patient","id":"p1","active":true,"gender":"female","birthDate":"1970-06-02",
         "name":[{"use":"official","family":"Ng","given":["Ann","Bo"]},{"family":"Lee"}],
         "address":[{"city":"Oslo"}]}
        """;

    private static ICompiledView CreateSut(string view, ViewCompilerOptions? options = null) =>
        ViewDefinitionCompiler.Compile(view, options);

    [Fact]
    public void Evaluate_ColumnsAndForEach_CrossJoinsInColumnOrder()
    {
        var view = CreateSut("""
            {"name":"names","resource":"Patient","select":[
              {"column":[{"name":"id","path":"getResourceKey()"},{"name":"birth","path":"birthDate","type":"date"}]},
              {"forEach":"name","column":[{"name":"family","path":"family"},{"name":"given","path":"given","collection":true},{"name":"i","path":"%rowIndex"}]}]}
            """);

        var rows = view.Rows([Resources.Line(Patient)]);

        Assert.Equal("names", view.Schema.Name);
        Assert.Equal(["id", "birth", "family", "given", "i"], view.Schema.Columns.Select(c => c.Name));
        Assert.Equal(2, rows.Count);
        Assert.Equal(["p1", "1970-06-02", "Ng"], rows[0][..3]);
        Assert.Equal(["Ann", "Bo"], Assert.IsType<IReadOnlyList<object?>>(rows[0][3], exactMatch: false));
        Assert.Equal(0, rows[0][4]);
        Assert.Equal(["p1", "1970-06-02", "Lee"], rows[1][..3]);
        Assert.Empty(Assert.IsType<IReadOnlyList<object?>>(rows[1][3], exactMatch: false));
        Assert.Equal(1, rows[1][4]);
    }

    [Fact]
    public void Evaluate_ForEachOrNullOverNothing_YieldsOneNullRow()
    {
        var view = CreateSut("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]},{"forEachOrNull":"telecom","column":[{"name":"tel","path":"value"}]}]}""");

        var rows = view.Rows([Resources.Line(Patient)]);

        Assert.Equal([["p1", null]], rows);
    }

    [Fact]
    public void Evaluate_WhereFalse_YieldsNothing()
    {
        var view = CreateSut("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],"where":[{"path":"gender = 'male'"}]}""");

        Assert.Empty(view.Rows([Resources.Line(Patient)]));
    }

    [Fact]
    public void Evaluate_OtherResourceType_YieldsNothing()
    {
        var view = CreateSut("""{"resource":"Observation","select":[{"column":[{"name":"id","path":"id"}]}]}""");

        Assert.Empty(view.Rows([Resources.Line(Patient)]));
    }

    [Fact]
    public void Evaluate_SeveralValuesInPlainColumn_ThrowsNamingLineAndColumn()
    {
        var view = CreateSut("""{"resource":"Patient","select":[{"column":[{"name":"family","path":"name.family"}]}]}""");

        var ex = Assert.Throws<ViewEvaluationException>(() => view.Rows([Resources.Line(Patient, lineNumber: 42, source: "Patient.ndjson")]));

        Assert.Equal("Patient.ndjson", ex.SourceName);
        Assert.Equal(42, ex.LineNumber);
        Assert.Equal("select[0].column[0].path", ex.ElementPath);
    }

    [Fact]
    public void Evaluate_MalformedJson_ThrowsNamingTheLine()
    {
        var view = CreateSut("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]}""");
        var line = new FhirBulk.Ndjson.ResourceLine("Patient", null, "{\"resourceType\":\"Patient\",\"id\":"u8.ToArray(), "bad.ndjson", 7);

        var ex = Assert.Throws<ViewEvaluationException>(() => view.Rows([line]));

        Assert.Equal(7, ex.LineNumber);
        Assert.Contains("bad.ndjson:7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ConstantsOfEachKind_Compare()
    {
        var view = CreateSut("""
            {"resource":"Patient","constant":[{"name":"born","valueDate":"1970-06-02"},{"name":"use","valueCode":"official"},{"name":"n","valueInteger":2}],
             "select":[{"column":[{"name":"same_day","path":"birthDate = %born"},{"name":"official","path":"name.where(use = %use).family"},{"name":"two","path":"name.count() = %n"}]}]}
            """);

        var rows = view.Rows([Resources.Line(Patient)]);

        Assert.Equal([[true, "Ng", true]], rows);
    }

    [Fact]
    public void Schema_ColumnTypes_DeclaredOrInferredFromModel()
    {
        var view = CreateSut("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"},{"name":"born","path":"birthDate"},{"name":"active","path":"active"},{"name":"g","path":"gender","type":"string"},{"name":"k","path":"getResourceKey()"}]}]}""");

        Assert.Equal(["id", "date", "boolean", "string", "string"], view.Schema.Columns.Select(c => c.FhirType));
    }

    [Fact]
    public void Compile_TableNameOption_OverridesName()
    {
        var view = CreateSut("""{"name":"x","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]}""", new ViewCompilerOptions { TableName = "patients" });

        Assert.Equal("patients", view.Schema.Name);
    }
}

public class CompileAllTests
{
    [Fact]
    public void CompileAll_TwoViewsOfOneType_EachGetsItsRowsFromOneParse()
    {
        var views = ViewDefinitionCompiler.CompileAll(
        [
            FhirBulk.Views.Definition.ViewDefinitionParser.Parse("""{"name":"a","resource":"Patient","select":[{"column":[{"name":"g","path":"gender"}]}]}"""),
            FhirBulk.Views.Definition.ViewDefinitionParser.Parse("""{"name":"b","resource":"Patient","select":[{"forEach":"name","column":[{"name":"f","path":"family"}]}]}"""),
            FhirBulk.Views.Definition.ViewDefinitionParser.Parse("""{"name":"c","resource":"Observation","select":[{"column":[{"name":"s","path":"status"}]}]}"""),
        ]);
        var line = Resources.Line("""{"resourceType":"Patient","gender":"other","name":[{"family":"X"},{"family":"Y"}]}""");

        Assert.Equal([["other"]], views[0].Evaluate(line));
        Assert.Equal([["X"], ["Y"]], views[1].Evaluate(line));
        Assert.Empty(views[2].Evaluate(line));
    }

    [Theory]
    [InlineData("patients")]
    [InlineData("Patients")]
    public void CompileAll_TwoViewsOfOneNameCaseAside_InvalidViewNamingBothFiles(string second)
    {
        var view = """{"name":"patients","resource":"Patient","select":[{"column":[{"name":"g","path":"gender"}]}]}""";

        var e = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionLoader.Compile(
        [
            KeyValuePair.Create("views/a.json", view),
            KeyValuePair.Create("views/b.json", view.Replace("\"patients\"", $"\"{second}\"", StringComparison.Ordinal)),
        ]));

        Assert.Equal("views/b.json", e.FileName);
        Assert.Equal("name", e.ElementPath);
        Assert.StartsWith($"views/b.json: name: '{second}' is also the name of views/a.json;", e.Message, StringComparison.Ordinal);
        var unnamed = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.CompileAll(
            [FhirBulk.Views.Definition.ViewDefinitionParser.Parse(view), FhirBulk.Views.Definition.ViewDefinitionParser.Parse(view)]));
        Assert.StartsWith("name: 'patients' is also the name of view 1 of those given;", unnamed.Message, StringComparison.Ordinal);
    }
}

public class RowValueTests
{
    [Fact]
    public void Evaluate_ValuesOfEachKind_UseTheRowRepresentation()
    {
        var view = ViewDefinitionCompiler.Compile("""
            {"resource":"Observation","select":[{"column":[
              {"name":"issued","path":"issued"},{"name":"effective","path":"effective.ofType(dateTime)"},
              {"name":"value","path":"value.ofType(Quantity).value"},{"name":"unit","path":"value.ofType(Quantity).unit"},
              {"name":"code","path":"code"},{"name":"n","path":"component.count()"}]}]}
            """);
        var line = Resources.Line("""
            {"resourceType":"Observation","status":"final","issued":"2020-01-02T03:04:05.678+01:00","effectiveDateTime":"2020-01",
             "valueQuantity":{"value":7.50,"unit":"mg"},"code":{"text":"t"}}
            """);

        var row = Assert.Single(view.Evaluate(line));

        Assert.Equal("2020-01-02T03:04:05.678+01:00", row[0]);
        Assert.Equal("2020-01", row[1]);
        Assert.Equal(7.50m, row[2]);
        Assert.Equal("7.50", ((decimal)row[2]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("mg", row[3]);
        Assert.Equal("""{"text":"t"}""", row[4]);
        Assert.Equal(0, row[5]);
    }
}

public class ParallelEvaluationTests
{
    [SharedFact]
    public void CompileAll_ViewsSharingAReaderOnManyThreads_SameRowsAsOneThread()
    {
        var definitions = new[]
        {
            FhirBulk.Views.Definition.ViewDefinitionParser.Parse("""{"name":"enc","resource":"Encounter","select":[{"column":[{"name":"id","path":"id"},{"name":"patient","path":"subject.getReferenceKey(Patient)"}]}]}"""),
            FhirBulk.Views.Definition.ViewDefinitionParser.Parse("""{"name":"enc_types","resource":"Encounter","select":[{"column":[{"name":"id","path":"id"}]},{"forEach":"type.coding","column":[{"name":"code","path":"code"},{"name":"i","path":"%rowIndex"}]}]}"""),
        };
        var lines = Resources.Synthea("Encounter").ToList();
        var sequential = ViewDefinitionCompiler.CompileAll(definitions);
        var parallel = ViewDefinitionCompiler.CompileAll(definitions);
        var results = new System.Collections.Concurrent.ConcurrentDictionary<long, List<object?[]>[]>();

        Parallel.ForEach(lines, new ParallelOptions { MaxDegreeOfParallelism = 4 }, line =>
            results[line.LineNumber] = [.. parallel.Select(v => v.Evaluate(line).ToList())]);

        foreach (var line in lines)
        {
            Assert.Equal(sequential.Select(v => v.Evaluate(line).ToList()), results[line.LineNumber]);
        }
    }
}

public class PrimitiveWithoutValueTests
{
    [Fact]
    public void Evaluate_PrimitiveWithOnlyAnExtension_IsNull()
    {
        var view = ViewDefinitionCompiler.Compile("""{"resource":"Patient","select":[{"column":[{"name":"born","path":"birthDate"},{"name":"has","path":"birthDate.exists()"}]}]}""");
        var line = Resources.Line("""{"resourceType":"Patient","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}}""");

        var row = Assert.Single(view.Evaluate(line));

        Assert.Null(row[0]);
        Assert.Equal(true, row[1]);
    }
}

public class InferredTypeTests
{
    [Fact]
    public void Schema_RowIndexConstantsAndLiterals_HaveTypes()
    {
        var view = ViewDefinitionCompiler.Compile("""
            {"resource":"Patient","constant":[{"name":"since","valueDate":"2000-01-01"}],
             "select":[{"forEach":"name","column":[{"name":"i","path":"%rowIndex"},{"name":"since","path":"%since"},{"name":"lit","path":"@2001-02-03"},{"name":"sum","path":"1 + 2"}]}]}
            """);

        Assert.Equal(["integer", "date", "date", null], view.Schema.Columns.Select(c => c.FhirType));
    }
}
