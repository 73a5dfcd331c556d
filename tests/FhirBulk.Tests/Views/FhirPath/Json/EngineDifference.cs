using System.Globalization;
using System.Text;
using FhirBulk.Ndjson;
using FhirBulk.Views;
using FhirBulk.Views.Definition;

namespace FhirBulk.Tests.Views.FhirPath.Json;

/// <summary>
/// Runs a view on the JSON engine and on the Firely engine (the oracle) and describes what each gave, exactly:
/// every value with its CLR type and written form (so 1.0 and 1.00, or 1 and 1L, differ), the row order, and
/// whether evaluation failed.
/// </summary>
internal static class EngineDifference
{
    public static ICompiledView Compile(ViewDefinition view, FhirPathEngineKind engine) =>
        ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine });

    /// <summary>Both engines' output over <paramref name="lines"/>, and the engine the JSON side actually ran on.</summary>
    public static (string Json, string Firely, ViewEngineChoice Choice) Run(ViewDefinition view, IEnumerable<ResourceLine> lines)
    {
        var json = Compile(view, FhirPathEngineKind.Json);
        var firely = Compile(view, FhirPathEngineKind.Firely);
        var materialized = lines.ToList();
        return (Describe(json, materialized), Describe(firely, materialized), json.Engine);
    }

    /// <summary>Asserts that both engines give the same output and that the JSON engine evaluated every expression.</summary>
    public static void AssertSame(ViewDefinition view, IEnumerable<ResourceLine> lines, bool mustRunOnJson = true)
    {
        var (json, firely, choice) = Run(view, lines);
        if (mustRunOnJson)
        {
            Assert.True(choice.Engine == FhirPathEngineKind.Json && choice.Fallbacks.Count == 0, $"{view.Name ?? view.Resource}: {choice}");
        }

        Assert.Equal(firely, json);
    }

    public static string Describe(ICompiledView view, IEnumerable<ResourceLine> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            try
            {
                foreach (var row in view.Evaluate(line))
                {
                    text.Append(line.LineNumber).Append(": ").AppendJoin(" | ", row.Select(Cell)).Append('\n');
                }
            }
            catch (ViewEvaluationException)
            {
                // Messages may be worded differently by the two engines; failing (or not) must be the same.
                text.Append(line.LineNumber).Append(": error\n");
            }
        }

        return text.ToString();
    }

    private static string Cell(object? value) => value switch
    {
        null => "null",
        IEnumerable<object?> list when value is not string => $"[{string.Join(", ", list.Select(Cell))}]",
        IFormattable f => $"{value.GetType().Name}:{f.ToString(null, CultureInfo.InvariantCulture)}",
        _ => $"{value.GetType().Name}:{value}",
    };
}
