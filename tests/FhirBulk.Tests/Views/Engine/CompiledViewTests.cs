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
