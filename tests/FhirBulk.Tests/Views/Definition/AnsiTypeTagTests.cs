using FhirBulk.Views;
using FhirBulk.Views.Definition;

namespace FhirBulk.Tests.Views.Definition;

public class AnsiTypeTagTests
{
    private static string View(string tags) => $$"""
        {"resourceType":"ViewDefinition","name":"patient_birth_date","resource":"Patient",
         "select":[{"column":[{"name":"id","path":"id"},{"name":"birth_date","path":"birthDate","tag":{{tags}}}]}]}
        """;

    [Fact]
    public void Compile_AnsiTypeTag_BecomesTheColumnsDeclaredType()
    {
        ICompiledView view = ViewDefinitionCompiler.Compile(View("""[{"name":"ansi/type","value":"DATE"}]"""));

        ViewColumn column = view.Schema.Columns[1];
        Assert.Equal(("date", "DATE", "DATE"), (column.FhirType, column.DeclaredType?.ToString(), column.SqlType.ToString()));
        Assert.Null(view.Schema.Columns[0].DeclaredType);
    }

    [Fact]
    public void Compile_OtherTagNames_IgnoredAndDefaultTypeKept()
    {
        ICompiledView view = ViewDefinitionCompiler.Compile(View("""[{"name":"postgres/type","value":"TEXT"}]"""));

        Assert.Equal(SqlType.CharacterVarying, view.Schema.Columns[1].SqlType);
    }

    [Fact]
    public void Compile_UnknownAnsiType_ErrorNamesViewColumnTypeAndElement()
    {
        var ex = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile(View("""[{"name":"ansi/type","value":"DATETIME"}]""")));

        Assert.Equal("select[0].column[1].tag[0].value", ex.ElementPath);
        Assert.StartsWith("select[0].column[1].tag[0].value: view 'patient_birth_date', column 'birth_date': 'DATETIME' is not a SQL type FhirBulk stores", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_TwoAnsiTypeTags_Rejected()
    {
        var ex = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile(View("""[{"name":"ansi/type","value":"DATE"},{"name":"ansi/type","value":"TIMESTAMP"}]""")));

        Assert.Contains("a second ansi/type tag", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_TagWithoutValue_RejectedNamingTheElement()
    {
        var ex = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile(View("""[{"name":"ansi/type"}]""")));

        Assert.Equal("select[0].column[1].tag[0].value", ex.ElementPath);
    }

    [Fact]
    public void Compile_BinaryCollection_RejectedNamingTheColumn()
    {
        var ex = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile("""
            {"name":"docs","resource":"DocumentReference","select":[{"column":[
              {"name":"data","path":"content.attachment.data","collection":true,"tag":[{"name":"ansi/type","value":"BINARY"}]}]}]}
            """));

        Assert.StartsWith("select[0].column[0].collection: view 'docs', column 'data': a collection of BINARY cannot be stored", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_Base64BinaryCollectionWithoutTag_Base64Text()
    {
        ICompiledView view = ViewDefinitionCompiler.Compile("""
            {"name":"docs","resource":"DocumentReference","select":[{"column":[
              {"name":"data","path":"content.attachment.data","collection":true},{"name":"first","path":"content.attachment.data.first()"}]}]}
            """);

        Assert.Equal(["CHARACTER VARYING", "BINARY"], view.Schema.Columns.Select(c => c.SqlType.ToString()));
    }

    [Fact]
    public void Compile_UnionBranchesWithDifferentAnsiTypes_Rejected()
    {
        var ex = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile("""
            {"resource":"Patient","select":[{"unionAll":[
              {"column":[{"name":"d","path":"birthDate","tag":[{"name":"ansi/type","value":"DATE"}]}]},
              {"column":[{"name":"d","path":"birthDate"}]}]}]}
            """));

        Assert.Contains("the same ansi/type tag: the first gives DATE, this one none", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_AnsiTypeTag_WrittenBackAndParsedAgain()
    {
        ViewDefinition view = ViewDefinitionParser.Parse(View("""[{"name":"ansi/type","value":"decimal(38, 9)"}]"""));

        ViewDefinition again = ViewDefinitionParser.Parse(ViewDefinitionWriter.ToJson(view));

        Assert.Equal("DECIMAL(38,9)", again.Select[0].Columns[1].AnsiType?.ToString());
    }
}
