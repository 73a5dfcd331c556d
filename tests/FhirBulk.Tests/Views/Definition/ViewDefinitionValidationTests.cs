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
