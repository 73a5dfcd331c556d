using FhirBulk.Views;

namespace FhirBulk.Tests.Views.Definition;

public class ViewDefinitionValidationTests
{
    private static ViewDefinitionException CompileFails(string json) =>
        Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile(json));

    [Fact]
    public void Compile_BadColumnName_NamesTheColumn()
    {
        var ex = CompileFails("""
            {"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]},
              {"column":[{"name":"ok","path":"id"},{"name":"1bad name","path":"gender"}]}]}
            """);

        Assert.Equal("select[1].column[1].name", ex.ElementPath);
        Assert.Contains("1bad name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ForEachAndRepeatTogether_NamesTheSelect()
    {
        var ex = CompileFails("""
            {"resource":"Patient","select":[{"forEach":"name","repeat":["item"],"column":[{"name":"f","path":"family"}]}]}
            """);

        Assert.Equal("select[0]", ex.ElementPath);
    }

    [Fact]
    public void Compile_UnionAllColumnsDiffer_NamesTheBranch()
    {
        var ex = CompileFails("""
            {"resource":"Patient","select":[{"unionAll":[
              {"forEach":"name","column":[{"name":"a","path":"family"}]},
              {"forEach":"address","column":[{"name":"b","path":"city"}]}]}]}
            """);

        Assert.Equal("select[0].unionAll[1]", ex.ElementPath);
    }

    [Fact]
    public void Compile_UnknownFunction_NamesThePath()
    {
        var ex = CompileFails("""{"resource":"Patient","select":[{"column":[{"name":"x","path":"name.frist()"}]}]}""");

        Assert.Equal("select[0].column[0].path", ex.ElementPath);
        Assert.Contains("frist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_UndefinedConstant_NamesThePath()
    {
        var ex = CompileFails("""
            {"resource":"Patient","constant":[{"name":"use","valueCode":"official"}],
             "select":[{"forEach":"name.where(use = %usr)","column":[{"name":"f","path":"family"}]}]}
            """);

        Assert.Equal("select[0].forEach", ex.ElementPath);
        Assert.Contains("%usr", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ConstantWithoutValue_NamesTheConstant()
    {
        var ex = CompileFails("""{"resource":"Patient","constant":[{"name":"c"}],"select":[{"column":[{"name":"id","path":"id"}]}]}""");

        Assert.Equal("constant[0]", ex.ElementPath);
    }

    [Fact]
    public void Compile_ConstantOfWrongJsonKind_NamesTheValue()
    {
        var ex = CompileFails("""{"resource":"Patient","constant":[{"name":"c","valueInteger":"7"}],"select":[{"column":[{"name":"id","path":"id"}]}]}""");

        Assert.Equal("constant[0].valueInteger", ex.ElementPath);
    }

    [Fact]
    public void Compile_DecimalConstantOutOfRange_NamesTheValue()
    {
        // Regression: GetDecimal threw a FormatException that named no element.
        var ex = CompileFails("""{"resource":"Patient","constant":[{"name":"c","valueDecimal":1e400}],"select":[{"column":[{"name":"id","path":"id"}]}]}""");

        Assert.Equal("constant[0].valueDecimal", ex.ElementPath);
        Assert.Contains("1e400", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("valueDate", "yesterday")]
    [InlineData("valueDateTime", "2024-13-01")]
    [InlineData("valueTime", "25:00")]
    public void Compile_TemporalConstantNotParseable_NamesTheValue(string property, string text)
    {
        // Regression: Firely's Parse threw a bare FormatException that named no element.
        var ex = CompileFails($$"""{"resource":"Patient","constant":[{"name":"c","{{property}}":"{{text}}"}],"select":[{"column":[{"name":"id","path":"id"}]}]}""");

        Assert.Equal($"constant[0].{property}", ex.ElementPath);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_WherePathGivesString_NamesTheWhere()
    {
        var ex = CompileFails("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],"where":[{"path":"active"},{"path":"name.family"}]}""");

        Assert.Equal("where[1].path", ex.ElementPath);
    }

    [Fact]
    public void Compile_UnknownResourceType_NamesResource()
    {
        var ex = CompileFails("""{"resource":"Patiant","select":[{"column":[{"name":"id","path":"id"}]}]}""");

        Assert.Equal("resource", ex.ElementPath);
    }

    [Fact]
    public void Compile_DuplicateColumnAcrossSelects_NamesTheSecond()
    {
        var ex = CompileFails("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]},{"forEach":"name","column":[{"name":"id","path":"family"}]}]}""");

        Assert.Equal("select[1].column[0].name", ex.ElementPath);
    }

    [Fact]
    public void Compile_InvalidJson_Throws()
    {
        var ex = CompileFails("""{"resource":"Patient",""");

        Assert.Equal("", ex.ElementPath);
    }

    [Fact]
    public void Compile_StrictCardinalityAndManyValuedColumn_Rejects()
    {
        const string View = """{"resource":"Patient","select":[{"column":[{"name":"family","path":"name.family"}]}]}""";

        var ex = Assert.Throws<ViewDefinitionException>(() =>
            ViewDefinitionCompiler.Compile(View, new ViewCompilerOptions { StrictCardinality = true }));

        Assert.Equal("select[0].column[0].path", ex.ElementPath);
        Assert.NotNull(ViewDefinitionCompiler.Compile(View));
    }

    [Fact]
    public void Compile_StrictCardinalityInsideForEach_AcceptsSingleValuedColumn()
    {
        const string View = """{"resource":"Patient","select":[{"forEach":"name","column":[{"name":"family","path":"family"},{"name":"given","path":"given","collection":true}]}]}""";

        var view = ViewDefinitionCompiler.Compile(View, new ViewCompilerOptions { StrictCardinality = true });

        Assert.Equal(["family", "given"], view.Schema.Columns.Select(c => c.Name));
    }
}

public class ViewDefinitionNameAndTypeTests
{
    [Fact]
    public void Compile_BadViewName_NamesName()
    {
        var ex = Assert.Throws<ViewDefinitionException>(() =>
            ViewDefinitionCompiler.Compile("""{"name":"my view","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]}"""));

        Assert.Equal("name", ex.ElementPath);
    }

    [Fact]
    public void Compile_UnknownColumnType_NamesType()
    {
        var ex = Assert.Throws<ViewDefinitionException>(() =>
            ViewDefinitionCompiler.Compile("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id","type":"strnig"}]}]}"""));

        Assert.Equal("select[0].column[0].type", ex.ElementPath);
    }

    [Theory]
    [InlineData("integer64")]
    [InlineData("dateTime")]
    [InlineData("CodeableConcept")]
    public void Compile_KnownColumnType_Accepted(string type) =>
        Assert.Equal(type, ViewDefinitionCompiler.Compile($$"""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id","type":"{{type}}"}]}]}""").Schema.Columns[0].FhirType);
}

public class ViewDefinitionTypoTests
{
    [Theory]
    [InlineData("""{"resource":"Patient","select":[{"columns":[{"name":"id","path":"id"}]}]}""", "select[0].columns")]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id","colection":true}]}]}""", "select[0].column[0].colection")]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],"where":[{"expression":"active"}]}""", "where[0].expression")]
    public void Compile_UnknownProperty_NamesIt(string view, string elementPath) =>
        Assert.Equal(elementPath, Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile(view)).ElementPath);

    [Theory]
    [InlineData("were")]
    [InlineData("foo")]
    [InlineData("nme")]
    [InlineData("whereClause")]
    [InlineData("Where")]
    public void Compile_UnknownTopLevelProperty_NamesIt(string property)
    {
        var ex = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile($$"""
            {"resourceType":"ViewDefinition","name":"p","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],
             "{{property}}":[{"path":"gender = 'male'"}]}
            """));

        Assert.Equal(property, ex.ElementPath);
        Assert.Contains($"'{property}' is not a property of this element", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("were", "(did you mean 'where'?)")]
    [InlineData("nme", "(did you mean 'name'?)")]
    [InlineData("Where", "(did you mean 'where'? element names are case-sensitive)")]
    [InlineData("whereClause", "(expected one of resource, select, where, constant, name,")]
    public void Compile_UnknownTopLevelProperty_GuessesWhatWasMeant(string property, string says) =>
        Assert.Contains(says, Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile($$"""
            {"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],"{{property}}":[]}
            """)).Message, StringComparison.Ordinal);

    [Fact]
    public void Compile_UnknownNestedProperty_GuessesWhatWasMeant() =>
        Assert.Contains("(did you mean 'column'?)", Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile("""
            {"resource":"Patient","select":[{"colum":[{"name":"id","path":"id"}]}]}
            """)).Message, StringComparison.Ordinal);

    [Fact]
    public void Compile_EveryElementOfTheViewDefinitionResource_Accepted()
    {
        var view = ViewDefinitionCompiler.Compile("""
            {"resourceType":"ViewDefinition","id":"v","meta":{"profile":["https://sql-on-fhir.org/ig/StructureDefinition/ShareableViewDefinition"]},
             "implicitRules":"http://x/rules","language":"en","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">v</div>"},
             "contained":[],"extension":[],"modifierExtension":[],
             "url":"http://x/v","identifier":[{"value":"1"}],"version":"1.0","versionAlgorithmString":"semver","name":"v","title":"V",
             "status":"active","_status":{"extension":[]},"experimental":false,"date":"2026-01-01","publisher":"p","contact":[],"description":"d",
             "useContext":[],"jurisdiction":[],"purpose":"p","copyright":"c","copyrightLabel":"c",
             "resource":"Patient","profile":["http://hl7.org/fhir/StructureDefinition/Patient"],"fhirVersion":["4.0.1"],
             "constant":[{"name":"g","valueCode":"male"}],
             "select":[{"column":[{"name":"id","path":"id"}]}],"where":[{"path":"gender = %g"}]}
            """);

        Assert.Equal("v", view.Schema.Name);
    }

    [Fact]
    public void Compile_DescriptionsTagsAndExtensions_Accepted()
    {
        var view = ViewDefinitionCompiler.Compile("""
            {"resourceType":"ViewDefinition","url":"http://x","status":"active","resource":"Patient","extension":[],
             "select":[{"id":"s","column":[{"name":"id","path":"id","description":"d","tag":[{"name":"ansi/type","value":"CHARACTER VARYING"},{"name":"postgres/type","value":"TEXT"}]}]}],
             "where":[{"path":"active","description":"only active"}]}
            """);

        Assert.Equal("id", view.Schema.Columns[0].Name);
    }
}

public class ReservedConstantTests
{
    [Theory]
    [InlineData("rowIndex")]
    [InlineData("resource")]
    public void Compile_ConstantNamedLikeABuiltIn_NamesIt(string name)
    {
        var ex = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile(
            $$"""{"resource":"Patient","constant":[{"name":"{{name}}","valueInteger":1}],"select":[{"column":[{"name":"id","path":"id"}]}]}"""));

        Assert.Equal("constant[0].name", ex.ElementPath);
    }
}
