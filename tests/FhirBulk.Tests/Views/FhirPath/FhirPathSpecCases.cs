namespace FhirBulk.Tests.Views.FhirPath;

/// <summary>
/// The FHIRPath cases where the Firely evaluator once disagreed with the spec (issue #11: item 6, arguments from the
/// expression's context; cross-unit Quantity comparison), with the spec's values. The one list of them:
/// <c>JsonEngineSpecTests</c> checks every case on both engines, so the engine-specific test files do not repeat them.
/// </summary>
internal static class FhirPathSpecCases
{
    /// <summary>The resource every case reads: two names (families Ito and Abe) and a quantity of one minute.</summary>
    public const string Patient = """
        {"resourceType":"Patient","id":"p","gender":"female","name":[{"family":"Ito","given":["Aki","Mei"]},{"family":"Abe","given":["Yui"]}],
         "extension":[{"url":"http://e/q","valueQuantity":{"value":1,"unit":"min","system":"http://unitsofmeasure.org","code":"min"}}]}
        """;

    /// <summary>Issue #11 item 6: a column whose function arguments must see the expression's context, and its values.</summary>
    public static TheoryData<string, object[]> ArgumentContext() => new()
    {
        { "name.given.combine(name.family)", ["Aki", "Mei", "Yui", "Ito", "Abe"] },
        { "gender.combine(name.family)", ["female", "Ito", "Abe"] },
        { "gender.combine(name.family).count()", [3] },
        { "'abcdef'.substring(name.count())", ["cdef"] },
        { "name.family.first().union(name.family)", ["Ito", "Abe"] },
        { "'Ito'.startsWith(name.family.first())", [true] },
        { "'xItoy'.indexOf(name.family.first())", [1] },
    };

    /// <summary>Cross-unit Quantity comparisons that the spec makes true, as a column.</summary>
    public static TheoryData<string> CrossUnitTrue() =>
    [
        "1 'min' > 59 's'",
        "5 'mg' = 0.005 'g'",
        "1 'm' = 100 'cm'",
        "extension('http://e/q').value > 59 's'",
        "extension('http://e/q').value = 60 's'",
        "extension.where(value > 59 's').exists()",
    ];

    /// <summary>A view <c>where</c> path of either kind, and whether the resource is kept.</summary>
    public static TheoryData<string, bool> Where() => new()
    {
        { "1 'min' > 59 's'", true },
        { "5 'mg' = 0.005 'g'", true },
        { "1 'm' = 100 'cm'", true },
        { "1 'm' = 101 'cm'", false },
        { "extension('http://e/q').value >= 60 's' and 1 'm' = 100 'cm'", true },
        { "gender.combine(name.family).count() = 3", true },
        { "'abcdef'.substring(name.count()) = 'cdef'", true },
        { "'abcdef'.substring(name.count()) = 'abcdef'", false },
    };
}
