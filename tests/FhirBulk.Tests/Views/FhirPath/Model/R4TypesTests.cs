using System.Collections.Concurrent;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirBulk.Tests.Views.FhirPath.Model;

public class R4TypesTests
{
    [Fact]
    public void Table_IsFirelysModelLineForLine()
    {
        // The table is Firely's model: when Firely changes (a package update), this test writes the new table and says
        // where, so regenerating it is copying one file.
        var inspector = ModelInfo.ModelInspector;
        var expected = ModelNames(inspector).Order(StringComparer.Ordinal)
            .Select(name => R4Types.Line(name, inspector.FindClassMapping(name)!.NativeType))
            .Prepend($"{R4Types.OpenTypesKey}\t{string.Join(' ', OpenChoice(inspector).FhirTypeMappings.Select(t => t.Name))}")
            .ToList();

        using var stream = typeof(R4Types).Assembly.GetManifestResourceStream(R4Types.ResourceName)!;
        var actual = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

        if (!expected.SequenceEqual(actual))
        {
            var regenerated = Path.Combine(Path.GetTempPath(), "R4Types.txt");
            File.WriteAllLines(regenerated, expected);
            Assert.Fail($"src/FhirBulk/Views/FhirPath/Model/R4Types.txt has drifted from Firely's model; the current table is at {regenerated}");
        }
    }

    [Fact]
    public void Find_EveryR4TypeName_GivesTheClassFirelyGives_AsWrittenOnly()
    {
        // Firely's FindClassMapping ignores case; its FHIRPath evaluator, which views follow, does not (ofType(quantity) is empty).
        var inspector = ModelInfo.ModelInspector;
        var names = ModelNames(inspector).ToList();
        Assert.Equal(names.Count, R4Types.Names.Count());
        foreach (var name in names)
        {
            Assert.Equal(inspector.FindClassMapping(name)?.NativeType, R4Types.Find(name)?.NativeType);
            Assert.True(R4Types.IsKnown(name), name);
        }

        foreach (var other in names.Select(n => n.ToUpperInvariant()).Concat(names.Select(n => n.ToLowerInvariant())).Except(names))
        {
            Assert.Null(R4Types.Find(other));
            Assert.False(R4Types.IsKnown(other), other);
        }
    }

    [Fact]
    public void ChoiceTypes_EveryElementOfEveryR4Type_AreTheTypesFirelyLists()
    {
        // Open choices (Extension.value[x], ElementDefinition.fixed[x], …) are where a lazily filled inspector could
        // differ from Firely's whole model; every element is compared.
        var inspector = ModelInfo.ModelInspector;
        Assert.Equal(Hl7.Fhir.Introspection.ChoiceType.DatatypeChoice, OpenChoice(inspector).Choice);
        foreach (var firely in inspector.ClassMappings)
        {
            var ours = R4Types.Of(firely.NativeType)!;
            foreach (var property in firely.PropertyMappings)
            {
                var own = ours.FindMappedElementByName(property.Name)!;
                Assert.Equal(
                    $"{firely.Name}.{property.Name}: " + string.Join("|", property.FhirTypeMappings.Select(t => t.Name)),
                    $"{firely.Name}.{property.Name}: " + string.Join("|", R4Types.ChoiceTypes(own).Select(t => t.Name)));
            }
        }
    }

    [Fact]
    public void Element_EveryElementOfEveryR4Type_IsTheOneFirelysWholeClassMappingGives()
    {
        // Element maps only the property it finds by name; each must be the mapping Firely makes when it maps the whole
        // class (in the same inspector, whose open choices list no types: ChoiceTypes fills them in): the same
        // property, cardinality, choice and types, for every element of every type. A name differing only in case, or
        // naming no element, is no element.
        var inspector = ModelInfo.ModelInspector;
        foreach (var firely in inspector.ClassMappings.Where(c => !c.Name.Contains('<', StringComparison.Ordinal)))
        {
            var ours = R4Types.Of(firely.NativeType)!;
            foreach (var property in firely.PropertyMappings)
            {
                var whole = ours.FindMappedElementByName(property.Name);
                Assert.Equal(property.Name, whole?.Name);
                Assert.Equal(Describe(whole), Describe(R4Types.Element(ours, property.Name)));
                Assert.Null(R4Types.Element(ours, property.Name.ToUpperInvariant()));
                Assert.Null(R4Types.Element(ours, char.ToUpperInvariant(property.Name[0]) + property.Name[1..]));
            }

            Assert.Null(R4Types.Element(ours, "notAnElementOfAnyType"));
            Assert.Null(R4Types.Element(ours, ""));
        }

        static string Describe(Hl7.Fhir.Introspection.PropertyMapping? p) => p is null ? "none" :
            $"{p.DeclaringClass.Name}.{p.Name} {p.NativeProperty?.DeclaringType}.{p.NativeProperty?.Name} {p.IsCollection} {p.Choice} {p.IsPrimitive} " +
            $"{p.RepresentsValueElement} {p.IsMandatoryElement} {p.SerializationHint} {p.Order} {p.ImplementingType} [{string.Join("|", p.FhirType.Select(t => t.FullName))}] " +
            $"[{string.Join("|", p.FhirTypeMappings.Select(t => t.NativeType.FullName))}]";
    }

    [Theory]
    [InlineData("Patient")]
    [InlineData("Observation")]
    [InlineData("Quantity")]
    [InlineData("Age")]
    [InlineData("HumanName")]
    [InlineData("string")]
    [InlineData("code")]
    [InlineData("Extension")]
    [InlineData("Observation.component")]
    public void Find_MapsElementsAsFirelysInspectorDoes(string typeName)
    {
        // The private inspector reflects over the same class; the elements, their types and their collection-ness are
        // what the JSON engine reads from it.
        var ours = R4Types.Find(typeName)!;
        var firely = ModelInfo.ModelInspector.FindClassMapping(typeName)!;
        Assert.Equal(Describe(firely, firely.PropertyMappings.Select(p => p.FhirTypeMappings)), Describe(ours, ours.PropertyMappings.Select(R4Types.ChoiceTypes)));
        Assert.Same(ours, R4Types.Find(typeName));
        Assert.Same(ours, R4Types.Of(firely.NativeType));
    }

    [Fact]
    public void FindAndOf_FromManyThreadsAtOnce_GiveOneMappingPerType()
    {
        // Firely's inspector can hand two threads importing one class two different mappings; CI's parallel tests met
        // it as Find(Patient) and Of(typeof(Patient)) disagreeing. Every name is asked for by name and by class from
        // several threads released together, then each answer must be the one instance the type has.
        var names = R4Types.Names.ToList();
        var answers = new ConcurrentBag<(string Name, ClassMapping Mapping)>();
        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, 8).Select(worker => new Thread(() =>
        {
            start.Wait();
            foreach (var name in worker % 2 == 0 ? names : Enumerable.Reverse(names))
            {
                var byName = R4Types.Find(name)!;
                answers.Add((name, byName));
                answers.Add((name, R4Types.Of(byName.NativeType)!));
                foreach (var property in byName.PropertyMappings)
                {
                    foreach (var type in R4Types.ChoiceTypes(property))
                    {
                        answers.Add((type.Name, type));
                    }
                }
            }
        })).ToList();
        threads.ForEach(thread => thread.Start());
        start.Set();
        threads.ForEach(thread => thread.Join());

        var split = answers.GroupBy(answer => answer.Mapping.NativeType)
            .Where(group => group.Select(answer => answer.Mapping).Distinct(ReferenceEqualityComparer.Instance).Count() > 1)
            .Select(group => group.Key.Name)
            .ToList();
        Assert.Empty(split);
    }

    [Fact]
    public void Find_NotAnR4Type_IsNull()
    {
        Assert.Null(R4Types.Find("NotAType"));
        Assert.False(R4Types.IsKnown(R4Types.OpenTypesKey));
    }

    // The model's types as Firely's inspector is built; it adds a codeOfT<…> mapping for each Code<TEnum> element read
    // since, which no FHIR type name refers to.
    private static IEnumerable<string> ModelNames(Hl7.Fhir.Introspection.ModelInspector inspector) =>
        inspector.ClassMappings.Select(c => c.Name).Where(name => !name.Contains('<', StringComparison.Ordinal)).Distinct();

    private static Hl7.Fhir.Introspection.PropertyMapping OpenChoice(Hl7.Fhir.Introspection.ModelInspector inspector) =>
        inspector.FindClassMapping("Extension")!.FindMappedElementByName("value")!;

    private static string Describe(Hl7.Fhir.Introspection.ClassMapping type, IEnumerable<IReadOnlyList<Hl7.Fhir.Introspection.ClassMapping>> elementTypes) =>
        $"{type.Name} {type.IsResource} {type.IsFhirPrimitive} {type.IsBackboneType}: " + string.Join("; ", type.PropertyMappings.Zip(elementTypes, (p, types) =>
            $"{p.Name} {p.IsCollection} {p.Choice} {string.Join("|", types.Select(t => t.Name))}"));
}
