using FhirBulk.Ndjson;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Ndjson;

public class NdjsonShardPlanTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData("0/8", 0, 8)]
    public void Parse_KOfN_ZeroBasedShard(string text, int index, int count) =>
        Assert.Equal(new ShardSpec(index, count), ShardSpec.Parse(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("0/0")]
    [InlineData("1")]
    [InlineData("-1/2")]
    [InlineData(" 1/2")]
    [InlineData("1/2/3")]
    public void Parse_NotKOfNWithKBelowN_FormatExceptionSayingTheForm(string text)
    {
        var error = Assert.Throws<FormatException>(() => ShardSpec.Parse(text));

        Assert.Equal($"'{text}' is not a shard: expected K/N with 0 ≤ K < N (K counts from 0, like JOB_COMPLETION_INDEX), such as 0/4.", error.Message);
    }

    [Fact]
    public void Create_SameFilesInAnotherFolder_SameUnitsAndFingerprint()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();
        foreach (TempFolder dir in new[] { first, second })
        {
            dir.Write("Patient.000.ndjson", string.Concat(Enumerable.Range(0, 50).Select(i => $$"""{"resourceType":"Patient","id":"p{{i}}"}""" + "\n")));
            dir.Write("Observation.000.ndjson", string.Concat(Enumerable.Range(0, 80).Select(i => $$"""{"resourceType":"Observation","id":"o{{i}}"}""" + "\n")));
        }

        NdjsonShardPlan a = NdjsonShardPlan.Create(NdjsonSource.FromFolder(first.Path), 3, unitBytes: 400);
        NdjsonShardPlan b = NdjsonShardPlan.Create(NdjsonSource.FromFolder(second.Path), 3, unitBytes: 400);

        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.Equal(a.Units.Select(u => (Path.GetFileName(u.File.Name), u.Start, u.Length, u.Shard)), b.Units.Select(u => (Path.GetFileName(u.File.Name), u.Start, u.Length, u.Shard)));
    }

    [Fact]
    public async Task Create_FolderOfSymbolicLinks_SplitsByTheLinkedFilesSizes()
    {
        using var data = new TempFolder();
        using var links = new TempFolder();
        string patients = data.Write("Patient.000.ndjson", string.Concat(Enumerable.Range(0, 100).Select(i => $$"""{"resourceType":"Patient","id":"p{{i:D3}}"}""" + "\n")));
        File.CreateSymbolicLink(Path.Combine(links.Path, "Patient.000.ndjson"), patients);

        NdjsonShardPlan plan = NdjsonShardPlan.Create(NdjsonSource.FromFolder(links.Path), 2, unitBytes: 1000);

        // 100 lines of 39 bytes: 3,900 bytes in four ranges, not one whole "file" of the link's own few bytes.
        Assert.Equal(3900, plan.Units.Sum(u => u.Length));
        Assert.Equal(4, plan.Units.Count);
        List<ResourceLine> all = [.. await plan.SourceFor(0).ReadAllAsync(), .. await plan.SourceFor(1).ReadAllAsync()];
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"p{i:D3}"), all.Select(l => l.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FromFolder_LinkToAMissingFile_SaysWhereTheLinkPoints()
    {
        using var links = new TempFolder();
        string missing = Path.Combine(links.Path, "gone", "Patient.000.ndjson");
        File.CreateSymbolicLink(Path.Combine(links.Path, "Patient.000.ndjson"), missing);

        var error = Assert.Throws<FileNotFoundException>(() => NdjsonSource.FromFolder(links.Path));

        Assert.Contains($"is a link to '{missing}', which does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SourceFor_LineStartingExactlyAtABoundary_BelongsToTheEarlierRange()
    {
        using var dir = new TempFolder();
        // Four lines of 40 bytes cut into two ranges of 80: line 2 starts at byte 80, the boundary.
        static string Line(int i) => $$"""{"resourceType":"Patient","id":"p{{i}}"}""".PadRight(39) + "\n";
        string path = dir.Write("mixed.ndjson", string.Concat(Enumerable.Range(0, 4).Select(Line)));

        NdjsonShardPlan plan = NdjsonShardPlan.Create(NdjsonSource.FromFile(path), 2, unitBytes: 80);

        Assert.Equal([(0L, 80L, 0), (80L, 80L, 1)], plan.Units.Select(u => (u.Start, u.Length, u.Shard)));
        List<ResourceLine> first = await plan.SourceFor(0).ReadAllAsync();
        List<ResourceLine> second = await plan.SourceFor(1).ReadAllAsync();
        // The first range ends at the first newline at or after byte 80 (line 2's); the second starts after it.
        Assert.Equal(["p0", "p1", "p2"], first.Select(l => l.Id));
        Assert.Equal(["p3"], second.Select(l => l.Id));
        Assert.Equal($"{path}@80", second[0].SourceName);
        Assert.Equal(1, second[0].LineNumber);
    }
}
