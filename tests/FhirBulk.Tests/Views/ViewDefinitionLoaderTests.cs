using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Views;

namespace FhirBulk.Tests.Views;

public class ViewDefinitionLoaderTests
{
    private const string Patients = """{"resourceType":"ViewDefinition","name":"patients","status":"active","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]}""";
    private const string Conditions = """{"resourceType":"ViewDefinition","name":"conditions","status":"active","resource":"Condition","select":[{"column":[{"name":"id","path":"id"}]}]}""";
    private const string BadColumnName = """{"resourceType":"ViewDefinition","name":"bad","status":"active","resource":"Patient","select":[{"column":[{"name":"not a valid name","path":"id"}]}]}""";
    private const string BadPath = """{"resourceType":"ViewDefinition","name":"bad","status":"active","resource":"Patient","select":[{"column":[{"name":"x","path":"name.where("}]}]}""";

    [Fact]
    public void Load_Folder_EveryJsonFileInNameOrder()
    {
        using var dir = new TempFolder();
        dir.Write("b.json", Patients);
        dir.Write("a.json", Conditions);
        dir.Write("notes.txt", "not a view");

        var views = ViewDefinitionLoader.Load(dir.Path);

        Assert.Equal(["conditions", "patients"], views.Select(v => v.Schema.Name));
    }

    [Fact]
    public void Load_File_ThatView()
    {
        using var dir = new TempFolder();

        var view = Assert.Single(ViewDefinitionLoader.Load(dir.Write("p.json", Patients)));

        Assert.Equal("patients", view.Schema.Name);
    }

    [Theory]
    [InlineData(BadColumnName, "select[0].column[0].name")]
    [InlineData(BadPath, "select[0].column[0].path")]
    public void Load_BadFileInFolder_NamesTheFileNotTheFolderAndTheElement(string badView, string element)
    {
        // A bad column name is found by the parser, a bad path by the compiler: either way the file is named.
        using var dir = new TempFolder();
        dir.Write("a.json", Patients);
        var bad = dir.Write("b.json", badView);

        var error = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionLoader.Load(dir.Path));

        Assert.Equal(bad, error.FileName);
        Assert.StartsWith($"{bad}: {element}: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(element, error.ElementPath);
    }

    [Fact]
    public void Load_NotJson_NamesTheFile()
    {
        using var dir = new TempFolder();
        var bad = dir.Write("broken.json", "{ not json");

        var error = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionLoader.Load(bad));

        Assert.StartsWith($"{bad}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingPath_InvalidInputNamingIt()
    {
        using var dir = new TempFolder();
        var missing = dir.File("nope");

        var error = Assert.Throws<InvalidInputException>(() => ViewDefinitionLoader.Load(missing));

        Assert.Equal($"view file or folder not found: {missing}", error.Message);
    }

    [Fact]
    public void Load_FolderWithoutJson_InvalidInputNamingIt()
    {
        using var dir = new TempFolder();

        var error = Assert.Throws<InvalidInputException>(() => ViewDefinitionLoader.Load(dir.Path));

        Assert.Equal($"no ViewDefinition (*.json) in {dir.Path}.", error.Message);
    }

    [Fact]
    public void Compile_NamedTexts_ErrorUsesTheName()
    {
        var error = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionLoader.Compile(
            [KeyValuePair.Create("patients.json", Patients), KeyValuePair.Create("embedded/bad.json", BadColumnName)]));

        Assert.Equal("embedded/bad.json", error.FileName);
    }
}
