using System.Reflection;
using System.Runtime.Loader;

namespace FhirBulk.Tests.Views.FhirPath.Model;

public class StartupModelTests
{
    [Fact]
    public void CompilingTheWorkshopViews_OnTheJsonEngine_DoesNotBuildFirelysWholeModel()
    {
        // In a fresh load context, so that what other tests loaded into this process does not count. Firely's
        // ModelInfo (its static set-up and its whole-model inspector) loads Hl7.Fhir.Conformance and Newtonsoft.Json,
        // which nothing else on the JSON engine's path needs: their absence shows the ~0.25 CPU-s of start-up is gone.
        var context = new BinFolderContext();
        try
        {
            var fhirBulk = context.LoadFromAssemblyPath(typeof(FhirBulk.Views.ViewDefinitionLoader).Assembly.Location);
            var load = fhirBulk.GetType("FhirBulk.Views.ViewDefinitionLoader")!
                .GetMethod("Load", [typeof(string), fhirBulk.GetType("FhirBulk.Views.ViewCompilerOptions")!])!;
            var views = (System.Collections.ICollection)load.Invoke(null, [FhirBulk.Tests.Views.WorkshopFolder.Views, null])!;
            Assert.Equal(6, views.Count);

            var loaded = context.Assemblies.Select(a => a.GetName().Name).ToList();
            Assert.Contains("FhirBulk", loaded);
            Assert.DoesNotContain("Hl7.Fhir.Conformance", loaded);
            Assert.DoesNotContain("Newtonsoft.Json", loaded);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void FreshContext_TouchingFirelysModelInfo_LoadsWhatTheTestAboveLooksFor()
    {
        // The control for the test above: in the same kind of context, Firely's whole model does load the two
        // assemblies, so their absence there means the model was not built.
        var context = new BinFolderContext();
        try
        {
            var r4 = context.LoadFromAssemblyPath(typeof(Hl7.Fhir.Model.ModelInfo).Assembly.Location);
            Assert.NotNull(r4.GetType("Hl7.Fhir.Model.ModelInfo")!.GetProperty("ModelInspector")!.GetValue(null));

            var loaded = context.Assemblies.Select(a => a.GetName().Name).ToList();
            Assert.Contains("Hl7.Fhir.Conformance", loaded);
            Assert.Contains("Newtonsoft.Json", loaded);
        }
        finally
        {
            context.Unload();
        }
    }

    // Loads the application's own assemblies (FhirBulk, Firely, their packages) afresh from the test's folder; the
    // framework's come from the default context.
    private sealed class BinFolderContext() : AssemblyLoadContext("startup-model", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var path = Path.Combine(AppContext.BaseDirectory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
