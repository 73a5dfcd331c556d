using System.Text.Json;
using FhirBulk.Views;
using FhirBulk.Views.Conformance;

namespace FhirBulk.Tests.Views.Conformance;

public class ViewConformanceRunnerTests
{
    private const string File = """
        {"title":"mine","resources":[
           {"resourceType":"Patient","id":"a","gender":"male"},
           {"resourceType":"Patient","id":"b"}],
         "tests":[
           {"title":"right","view":{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"},{"name":"g","path":"gender"}]}]},
            "expect":[{"id":"b","g":null},{"id":"a","g":"male"}]},
           {"title":"wrong value","view":{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]},
            "expect":[{"id":"a"},{"id":"c"}]},
           {"title":"wrong columns","view":{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]},
            "expectColumns":["ID"]},
           {"title":"count","view":{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]},
            "expectCount":2},
           {"title":"error expected but none","view":{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]},
            "expectError":true},
           {"title":"error expected","view":{"resource":"Patient","select":[{"column":[{"name":"id","path":"id.foo()"}]}]},
            "expectError":true}]}
        """;

    private static Dictionary<string, ConformanceTestResult> RunAll()
    {
        var runner = new ViewConformanceRunner();
        return ConformanceTestCase.Parse("mine.json", File).Select(runner.Run).ToDictionary(r => r.Name);
    }

    [Fact]
    public void Run_EachExpectationKind_PassesOrFailsWithAReason()
    {
        var results = RunAll();

        Assert.True(results["right"].Passed, results["right"].Error);
        Assert.True(results["count"].Passed, results["count"].Error);
        Assert.True(results["error expected"].Passed, results["error expected"].Error);
        Assert.False(results["wrong value"].Passed);
        Assert.Contains("missing {id: \"c\"}", results["wrong value"].Error, StringComparison.Ordinal);
        Assert.False(results["wrong columns"].Passed);
        Assert.Contains("expected columns (ID)", results["wrong columns"].Error, StringComparison.Ordinal);
        Assert.False(results["error expected but none"].Passed);
    }

    [Fact]
    public async Task WriteTestReportAsync_MixedResults_FollowsTheOfficialShape()
    {
        var report = new ConformanceReport([.. RunAll().Values]);
        using var stream = new MemoryStream();

        await report.WriteTestReportAsync(stream);
        using var json = JsonDocument.Parse(stream.ToArray());

        var tests = json.RootElement.GetProperty("mine.json").GetProperty("tests");
        Assert.Equal(6, tests.GetArrayLength());
        Assert.Equal(3, report.Failed);
        var wrong = tests.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "wrong value").GetProperty("result");
        Assert.False(wrong.GetProperty("passed").GetBoolean());
        Assert.StartsWith("expected 2 row(s)", wrong.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoTestsArray_NamesTheFile()
    {
        var ex = Assert.Throws<InvalidInputException>(() => ConformanceTestCase.Parse("broken.json", """{"resources":[]}"""));

        Assert.Contains("broken.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OptionsChangedAfterTheRunnerWasCreated_CompilesWithTheOptionsItWasCreatedWith()
    {
        // An unknown element is an empty column by default and an error under StrictElements.
        var test = Assert.Single(ConformanceTestCase.Parse("unknown.json", """
            {"resources":[{"resourceType":"Patient","id":"a"}],
             "tests":[{"title":"unknown element","view":{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"},{"name":"x","path":"nope"}]}]},
              "expect":[{"id":"a","x":null}]}]}
            """));
        var options = new ViewCompilerOptions();
        var runner = new ViewConformanceRunner(options);

        options.StrictElements = true;
        var result = runner.Run(test);

        Assert.True(result.Passed, result.Error);
        Assert.False(new ViewConformanceRunner(options).Run(test).Passed);
    }
}
