using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirBulk.Views.FhirPath.Model;

/// <summary>
/// Firely's shared model inspectors (<c>ModelInfo.ModelInspector</c>, <c>ModelInspector.Base</c>), built here before
/// Firely first asks for them, so that the Firely path also runs as a Native AOT executable.
/// </summary>
/// <remarks>
/// Firely 6.8 builds each on first use in <c>ModelInspector.ForAssembly</c>, which finds the FHIR model assemblies to import
/// with <see cref="Assembly.GetReferencedAssemblies"/>: Native AOT does not support that call
/// (<see cref="PlatformNotSupportedException"/>), and every Firely deserialization and evaluation then failed with "A type
/// initializer threw an exception". The inspectors built here are Firely's own recipe with the assembly closure written
/// down instead of discovered: a <see cref="ModelInspector"/> of the root assembly's
/// <c>FhirModelAssemblyAttribute.Since</c> release importing the closure's assemblies in the order Firely visits
/// them, then the CQL system types. <c>FirelyModelTests</c> checks, under the JIT, that the closure is what
/// <see cref="Assembly.GetReferencedAssemblies"/> gives and that each inspector maps the same classes and enums as the one
/// Firely builds itself. They are placed in Firely's cache (a private static dictionary keyed by assembly name, which
/// <c>ForAssembly</c> consults first) only where Firely has not built one already.
/// </remarks>
internal static class FirelyModel
{
    /// <summary>Why reflection over Firely's model is safe in a trimmed build.</summary>
    internal const string KeptWhole =
        "Firely's assemblies declare no trimming support, so the tool's partial trimming (TrimMode=partial) keeps every type of them.";

    /// <summary>
    /// The FHIR model assemblies Firely imports for each assembly it may be asked about, the root first, in the order of
    /// Firely's depth-first walk of <see cref="Assembly.GetReferencedAssemblies"/>.
    /// </summary>
    internal static IReadOnlyList<(Assembly Root, Assembly[] Closure)> Closures { get; } =
    [
        (R4Assembly, [R4Assembly, BaseAssembly, ConformanceAssembly]),
        (BaseAssembly, [BaseAssembly]),
        (ConformanceAssembly, [ConformanceAssembly, BaseAssembly]),
    ];

    private static Assembly R4Assembly => typeof(ModelInfo).Assembly;

    private static Assembly BaseAssembly => typeof(Base).Assembly;

    private static Assembly ConformanceAssembly => typeof(StructureDefinition).Assembly;

    private static readonly Lazy<int> Seeded = new(() => Seed(FirelyCache()));

    /// <summary>The R4 inspector Firely's deserializer and evaluator use (<c>ModelInfo.ModelInspector</c>), seeded first.</summary>
    public static ModelInspector R4
    {
        get
        {
            EnsureSeeded();
            return ModelInfo.ModelInspector;
        }
    }

    /// <summary>Places the inspectors in Firely's cache, once per process; call before any use of Firely's model.</summary>
    public static void EnsureSeeded() => _ = Seeded.Value;

    /// <summary><paramref name="create"/>'s result, after <see cref="EnsureSeeded"/>: for Firely objects made in static initializers.</summary>
    public static T Use<T>(Func<T> create)
    {
        EnsureSeeded();
        return create();
    }

    /// <summary>An inspector for <paramref name="root"/> built as Firely's <c>ForAssembly</c> builds it, from <paramref name="closure"/>.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = KeptWhole)]
    internal static ModelInspector Build(Assembly root, IEnumerable<Assembly> closure)
    {
        var release = root.GetCustomAttribute<FhirModelAssemblyAttribute>()?.Since
            ?? throw new InvalidOperationException($"{root.GetName().Name} carries no FhirModelAssemblyAttribute: it is no FHIR model assembly");
        var inspector = new ModelInspector(release);
        foreach (var assembly in closure)
        {
            inspector.Import(assembly);
        }

        foreach (var type in typeof(Hl7.Fhir.ElementModel.Types.Any).Assembly.GetExportedTypes()
                     .Where(typeof(Hl7.Fhir.ElementModel.Types.Any).IsAssignableFrom))
        {
            inspector.ImportType(type);
        }

        return inspector;
    }

    /// <summary>Adds an inspector to <paramref name="cache"/> for each root it lacks; the number added.</summary>
    internal static int Seed(ConcurrentDictionary<string, ModelInspector> cache)
    {
        var added = 0;
        foreach (var (root, closure) in Closures)
        {
            var name = root.FullName!;
            if (!cache.ContainsKey(name) && cache.TryAdd(name, Build(root, closure)))
            {
                added++;
            }
        }

        return added;
    }

    // Firely's deserializer reads this private field of the reader's state to name the line of a JSON error; Native AOT
    // keeps only what is referenced, so the field is named here for the trimmer.
    [DynamicDependency(DynamicallyAccessedMemberTypes.NonPublicFields, typeof(JsonReaderState))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.NonPublicFields, typeof(ModelInspector))]
    internal static ConcurrentDictionary<string, ModelInspector> FirelyCache() =>
        typeof(ModelInspector).GetField("_inspectedAssemblies", BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null)
            as ConcurrentDictionary<string, ModelInspector>
        ?? throw new InvalidOperationException(
            "Firely's ModelInspector has no static _inspectedAssemblies cache any more (a Firely upgrade?): FirelyModel must follow its new shape");
}
