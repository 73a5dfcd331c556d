using System.Text;
using System.Text.Json;
using FhirBulk.Server.Export;

namespace FhirBulk.Server.Tests.Export;

public class ElementsProjectionTests
{
    [Fact]
    public void Project_KeepsExistingTagsAndAddsSubsetted()
    {
        var projection = new ElementsProjection(new HashSet<string> { "status" });
        var line = """{"resourceType":"Observation","id":"1","meta":{"tag":[{"code":"keep"}],"lastUpdated":"2024-01-01T00:00:00Z"},"status":"final","code":{"text":"x"}}"""u8;
        var result = JsonDocument.Parse(Encoding.UTF8.GetString(projection.Project(line))).RootElement;
        Assert.Equal(["resourceType", "id", "meta", "status"], result.EnumerateObject().Select(p => p.Name));
        var tags = result.GetProperty("meta").GetProperty("tag").EnumerateArray().Select(t => t.GetProperty("code").GetString()).ToList();
        Assert.Equal(["keep", "SUBSETTED"], tags);
        Assert.Equal("2024-01-01T00:00:00Z", result.GetProperty("meta").GetProperty("lastUpdated").GetString());
    }

    [Fact]
    public void Project_NoMeta_AddsMetaWithTag()
    {
        var projection = new ElementsProjection(new HashSet<string> { "gender" });
        var result = JsonDocument.Parse(Encoding.UTF8.GetString(projection.Project("""{"resourceType":"Patient","id":"p","gender":"male","name":[]}"""u8))).RootElement;
        Assert.Equal("SUBSETTED", result.GetProperty("meta").GetProperty("tag")[0].GetProperty("code").GetString());
        Assert.False(result.TryGetProperty("name", out _));
    }
}
