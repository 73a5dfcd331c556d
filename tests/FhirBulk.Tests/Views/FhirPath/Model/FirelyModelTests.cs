using System.Collections.Concurrent;
using System.Reflection;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Introspection;

namespace FhirBulk.Tests.Views.FhirPath.Model;

// One test here takes an inspector out of Firely's process-wide cache for a moment: alone, so no other test sees the gap.
[CollectionDefinition(nameof(FirelyModelTests), DisableParallelization = true)]
public sealed class FirelyModelCollection;

[Collection(nameof(FirelyModelTests))]
public class FirelyModelTests
{
    public static TheoryData<string> Roots => [.. FirelyModel.Closures.Select(entry => entry.Root.GetName().Name!)];

    [Theory]
    [MemberData(nameof(Roots))]
    public void Closure_IsFirelysWalkOfTheReferencedModelAssemblies(string root)
    {
        var (assembly, closure) = Entry(root);
        var walked = new List<Assembly>();
        Walk(assembly);

        Assert.Equal(walked.Select(Name), closure.Select(Name));

        // Firely's own walk (ModelInspector.ForAssembly): the assembly, then each referenced FHIR model assembly depth-first.
        void Walk(Assembly current)
        {
            if (walked.Contains(current))
            {
                return;
            }

            walked.Add(current);
            foreach (var referenced in current.GetReferencedAssemblies().Select(Assembly.Load)
                         .Where(a => a.GetCustomAttribute<FhirModelAssemblyAttribute>() is not null))
            {
                Walk(referenced);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public void Build_MapsTheClassesAndEnumsFirelysOwnInspectorMaps(string root)
    {
        var (assembly, closure) = Entry(root);
        var built = FirelyModel.Build(assembly, closure);

        var cache = FirelyModel.FirelyCache();
        var name = assembly.FullName!;
        cache.TryRemove(name, out var cached);
        try
        {
#pragma warning disable CS0618 // ForAssembly is obsolete for users; it is what builds the inspector Firely uses
            var firelys = ModelInspector.ForAssembly(assembly);
#pragma warning restore CS0618
            Assert.NotSame(built, firelys);
            Assert.Equal(firelys.FhirRelease, built.FhirRelease);
            Assert.Equal(firelys.FhirVersion, built.FhirVersion);
            Assert.Equal(firelys.OpenTypes, built.OpenTypes);
            Assert.Equal(Classes(firelys), Classes(built));
            Assert.Equal(Enums(firelys), Enums(built));
        }
        finally
        {
            if (cached is not null)
            {
                cache[name] = cached;
            }
        }
    }

    [Fact]
    public void Seed_AddsAnInspectorPerRootOnlyWhereTheCacheHasNone()
    {
        var cache = new ConcurrentDictionary<string, ModelInspector>();
        var kept = new ModelInspector(Hl7.Fhir.Specification.FhirRelease.R4);
        cache[FirelyModel.Closures[1].Root.FullName!] = kept;

        Assert.Equal(FirelyModel.Closures.Count - 1, FirelyModel.Seed(cache));
        Assert.Same(kept, cache[FirelyModel.Closures[1].Root.FullName!]);
        Assert.Equal(0, FirelyModel.Seed(cache));
        Assert.Equal(FirelyModel.Closures.Count, cache.Count);
    }

    [Fact]
    public void R4_IsTheInspectorFirelysModelInfoUses()
    {
        Assert.Same(Hl7.Fhir.Model.ModelInfo.ModelInspector, FirelyModel.R4);
        Assert.NotNull(FirelyModel.R4.FindClassMapping("Patient"));
    }

    private static (Assembly Root, Assembly[] Closure) Entry(string root) =>
        FirelyModel.Closures.Single(entry => entry.Root.GetName().Name == root);

    private static string Name(Assembly assembly) => assembly.GetName().Name!;

    private static List<string> Classes(ModelInspector inspector) =>
    [
        .. inspector.ClassMappings
            .Select(c => $"{c.Name} {c.NativeType.FullName} resource={c.IsResource} primitive={c.IsFhirPrimitive} " +
                         $"abstract={c.IsAbstract} canonical={c.Canonical} " +
                         string.Join(",", c.PropertyMappings.Select(p => $"{p.Name}:{p.Choice}:{string.Join("|", p.FhirType.Select(t => t.FullName))}")))
            .Order(StringComparer.Ordinal),
    ];

    private static List<string> Enums(ModelInspector inspector) =>
        [.. inspector.EnumMappings.Select(e => $"{e.Name} {e.NativeType.FullName} {e.Canonical}").Order(StringComparer.Ordinal)];
}
