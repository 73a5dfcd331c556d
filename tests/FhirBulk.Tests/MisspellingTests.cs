namespace FhirBulk.Tests;

public class MisspellingTests
{
    private static readonly string[] Types = ["Patient", "Practitioner", "Observation", "Condition", "Encounter", "Group", "date", "dateTime", "Date"];

    [Theory]
    [InlineData("Patinet", "Patient")]
    [InlineData("Obsrvation", "Observation")]
    [InlineData("Condtion", "Condition")]
    [InlineData("Gorup", "Group")]
    public void Meant_NameWithinTheEditsAllowed_GuessesTheCandidate(string name, string expected) =>
        Assert.Equal([expected], Misspelling.Meant(name, Types));

    [Fact]
    public void Meant_CandidatesEqualButForCase_GivenBeforeNearerOnesAndInTheOrderGiven()
    {
        var guesses = Misspelling.Meant("DATE", Types);

        Assert.Equal(["date", "Date"], guesses);
        Assert.True(Misspelling.OnlyCaseDiffers("DATE", guesses));
    }

    [Theory]
    [InlineData("Grp")]
    [InlineData("Xyzzy")]
    [InlineData("Pat")]
    public void Meant_NothingClose_NoGuess(string name) => Assert.Empty(Misspelling.Meant(name, Types));

    [Fact]
    public void Meant_ShortName_AllowsOneEditOnly()
    {
        Assert.Equal(["date"], Misspelling.Meant("dat", Types));
        Assert.Empty(Misspelling.Meant("da", Types));
    }

    [Theory]
    [InlineData("veiw", "view")]
    [InlineData("sycn", "sync")]
    [InlineData("dtae", "date")]
    public void Meant_ShortNameWithTwoNeighbouringLettersSwapped_OneEditSoGuessed(string name, string expected) =>
        Assert.Equal([expected], Misspelling.Meant(name, ["view", "sync", "date", "demo"]));

    [Fact]
    public void Meant_ShortNameWithLettersSwappedApart_TwoEditsSoNoGuess() =>
        // Only neighbours swap in one edit: 'wiev' is two substitutions from 'view'.
        Assert.Empty(Misspelling.Meant("wiev", ["view"]));

    [Fact]
    public void Meant_NameThatIsACandidate_NoGuess() => Assert.Empty(Misspelling.Meant("Patient", Types));

    [Fact]
    public void Meant_ManyClose_AtMostThreeNearestFirst()
    {
        var guesses = Misspelling.Meant("ab", ["ac", "ad", "ae", "af", "abc"]);

        Assert.Equal(Misspelling.MaxGuesses, guesses.Count);
        Assert.Equal(["abc", "ac", "ad"], guesses);
    }

    [Fact]
    public void Meant_AcceptAskedOnlyOfTheCloseOnes()
    {
        var asked = new List<string>();

        var guesses = Misspelling.Meant("Patinet", Types, name => { asked.Add(name); return name != "Patient"; });

        Assert.Empty(guesses);
        Assert.Equal(["Patient"], asked);
    }
}
