namespace FhirBulk.Tests;

public class CountedTests
{
    [Theory]
    [InlineData(0, "")]
    [InlineData(1, "f1")]
    [InlineData(5, "f1, f2, f3, f4, f5")]
    [InlineData(6, "f1, f2, f3, f4, f5 and 1 more")]
    [InlineData(1205, "f1, f2, f3, f4, f5 and 1200 more")]
    public void FirstOf_FiveShown_NamesThemAndCountsTheRest(int count, string expected)
    {
        string[] names = [.. Enumerable.Range(1, count).Select(i => $"f{i}")];

        Assert.Equal(expected, Counted.FirstOf(names, 5));
    }

    [Fact]
    public void FirstOf_FewerShown_KeepsTheGivenOrder()
    {
        Assert.Equal("c, a, b and 1 more", Counted.FirstOf(["c", "a", "b", "d"], 3));
    }

    [Fact]
    public void Of_OneAndMany_NounInTheRightNumber()
    {
        Assert.Equal("1 table", Counted.Of(1, "table"));
        Assert.Equal("1,200 rows", Counted.Of(1200, "row"));
        Assert.Equal("2 entries", Counted.Of(2, "entry", "entries"));
    }
}
