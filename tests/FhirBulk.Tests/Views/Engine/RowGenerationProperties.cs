using System.Text.Json.Nodes;
using CsCheck;
using FhirBulk.Views;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tests.Views.Engine;

/// <summary>Row-generation rules checked over random patients (names with random given names).</summary>
public class RowGenerationProperties
{
    private static readonly Gen<string[][]> Names =
        Gen.String[Gen.Char['a', 'z'], 1, 6].Array[0, 3].Array[0, 4];

    private static string Patient(string[][] names) => new JsonObject
    {
        ["resourceType"] = "Patient",
        ["id"] = "p",
        ["name"] = new JsonArray([.. names.Select((given, i) => new JsonObject { ["family"] = $"f{i}", ["given"] = new JsonArray([.. given.Select(g => JsonValue.Create(g))]) })]),
    }.ToJsonString();

    private static readonly ICompiledView ForEachGiven = ViewDefinitionCompiler.Compile("""
        {"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]},
          {"forEach":"name","column":[{"name":"family","path":"family"},{"name":"n","path":"%rowIndex"}],
           "select":[{"forEachOrNull":"given","column":[{"name":"given","path":"$this"},{"name":"g","path":"%rowIndex"}]}]}]}
        """);

    [Fact]
    public void Evaluate_NestedForEachAndForEachOrNull_OneRowPerGivenOrPerEmptyName()
    {
        Names.Sample(names =>
        {
            var rows = ForEachGiven.Evaluate(Resources.Line(Patient(names))).ToList();

            var expected = names
                .SelectMany((given, i) => given.Length == 0
                    ? [new object?[] { "p", $"f{i}", i, null, 0 }]
                    : given.Select((g, j) => new object?[] { "p", $"f{i}", i, g, j }))
                .ToList();
            Assert.Equal(expected, rows);
        });
    }

    [Fact]
    public void Evaluate_FlattenTable_EveryGivenNameInItsColumn()
    {
        Names.Sample(names =>
        {
            var json = Patient(names);
            var builder = new FlattenViewBuilder("Patient");
            builder.Add(Resources.Line(json));
            var view = ViewDefinitionCompiler.Compile(builder.Build());
            var columns = view.Schema.Columns.Select(c => c.Name).ToList();

            var row = Assert.Single(view.Evaluate(Resources.Line(json)));

            for (var i = 0; i < names.Length; i++)
            {
                Assert.Equal($"f{i}", row[columns.IndexOf($"name_{i}_family")]);
                for (var j = 0; j < names[i].Length; j++)
                {
                    Assert.Equal(names[i][j], row[columns.IndexOf($"name_{i}_given_{j}")]);
                }
            }

            Assert.Equal(1 + names.Length + names.Sum(n => n.Length), columns.Count);
        });
    }
}
