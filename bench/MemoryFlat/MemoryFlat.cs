#:project ../../src/FhirBulk/FhirBulk.csproj
// Measures that memory stays flat while NDJSON of growing size streams through the view
// pipeline into DuckDB and Parquet. Each (size, sink) run is a fresh child process so that peaks
// do not carry over.
//
//   dotnet run -c Release bench/MemoryFlat/MemoryFlat.cs -- [--memory-limit 256MB] [--sinks duckdb,parquet,csv] [sizeMB ...]
//   (default: 100 400, DuckDB's memory_limit at the sink's default, DuckDB and Parquet; CSV is
//   the baseline without DuckDB)
using System.Diagnostics;
using System.Globalization;
using System.Text;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Sinks.Csv;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Tables;
using FhirBulk.Views;

if (args is ["--child", var sizeArg, var sinkKind, var limitArg])
{
    return await RunChildAsync(int.Parse(sizeArg, CultureInfo.InvariantCulture), sinkKind, limitArg);
}

string memoryLimit = DuckDbDefaults.MemoryLimit;
if (args is ["--memory-limit", var limit, .. var rest])
{
    memoryLimit = limit;
    args = rest;
}

string[] sinks = ["duckdb", "parquet"];
if (args is ["--sinks", var list, .. var afterSinks])
{
    sinks = list.Split(',');
    args = afterSinks;
}

int[] sizes = args.Length > 0 ? [.. args.Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [100, 400];
Console.WriteLine("| input MB | sink | DuckDB memory_limit | seconds | MB/s | peak working set MB | peak GC heap MB |");
Console.WriteLine("|---:|---|---|---:|---:|---:|---:|");
foreach (int size in sizes)
{
    foreach (string sink in sinks)
    {
        var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, ["--child", size.ToString(CultureInfo.InvariantCulture), sink, memoryLimit])
        {
            RedirectStandardOutput = true,
        })!;
        string line = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        Console.Write(line);
    }
}

return 0;

static async Task<int> RunChildAsync(int sizeMb, string sinkKind, string memoryLimit)
{
    string dir = Directory.CreateTempSubdirectory("fhirbulk-memflat-").FullName;
    try
    {
        string input = Path.Combine(dir, "Observation.000.ndjson");
        long bytes = SyntheticNdjson.Write(input, sizeMb * 1024L * 1024L);
        ICompiledView[] views =
        [
            ViewDefinitionCompiler.Compile("""
                {"resourceType":"ViewDefinition","name":"observations","resource":"Observation","status":"active",
                 "select":[{"column":[
                   {"name":"id","path":"getResourceKey()"},
                   {"name":"patient","path":"subject.getReferenceKey(Patient)"},
                   {"name":"code","path":"code.coding.first().code"},
                   {"name":"value","path":"value.ofType(Quantity).value"},
                   {"name":"unit","path":"value.ofType(Quantity).unit"},
                   {"name":"effective","path":"effective.ofType(dateTime)"}]},
                  {"forEach":"category.coding","column":[{"name":"category","path":"code"}]}]}
                """),
        ];

        // Start from a settled heap so that the figures are the pipeline's, not the generator's.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var sampler = new PeakSampler();
        var watch = Stopwatch.StartNew();
        var options = new DuckDbSinkOptions { MemoryLimit = memoryLimit };
        ITableSink sink = sinkKind switch
        {
            "duckdb" => new DuckDbSink(Path.Combine(dir, "out.duckdb"), options),
            "parquet" => new ParquetSink(Path.Combine(dir, "parquet"), options),
            _ => new CsvSink(Path.Combine(dir, "csv")),
        };
        await using (sink)
        {
            await new FhirTables().RunAsync(NdjsonSource.FromFile(input), views, sink);
        }

        watch.Stop();
        double mb = bytes / 1024.0 / 1024.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {mb:F0} | {sinkKind} | {memoryLimit} | {watch.Elapsed.TotalSeconds:F1} | {mb / watch.Elapsed.TotalSeconds:F1} | {sampler.PeakWorkingSet / 1048576.0:F0} | {sampler.PeakHeap / 1048576.0:F0} |"));
        return 0;
    }
    finally
    {
        Directory.Delete(dir, recursive: true);
    }
}

/// <summary>Samples the process's working set and GC heap every 20 ms and keeps the peaks.</summary>
sealed class PeakSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public PeakSampler() => _loop = Task.Run(async () =>
    {
        using var process = Process.GetCurrentProcess();
        while (!_stop.IsCancellationRequested)
        {
            process.Refresh();
            PeakWorkingSet = Math.Max(PeakWorkingSet, process.WorkingSet64);
            PeakHeap = Math.Max(PeakHeap, GC.GetGCMemoryInfo().HeapSizeBytes);
            await Task.Delay(20);
        }
    });

    public long PeakWorkingSet { get; private set; }

    public long PeakHeap { get; private set; }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait();
        _stop.Dispose();
    }
}

/// <summary>Synthea-shaped vital-sign Observations, written until the file reaches a size.</summary>
static class SyntheticNdjson
{
    public static long Write(string path, long targetBytes)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 20);
        var random = new Random(42);
        string[] codes = ["8302-2", "29463-7", "39156-5", "8867-4", "9279-1", "72514-3"];
        for (long i = 0; stream.Position < targetBytes; i++)
        {
            string patient = $"{random.Next(100_000):x8}-6131-3213-f3c9-4606946ab056";
            writer.Write(string.Create(CultureInfo.InvariantCulture, $$$"""
                {"resourceType":"Observation","id":"obs-{{{i}}}","meta":{"profile":["http://hl7.org/fhir/us/core/StructureDefinition/us-core-vital-signs"]},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"{{{codes[i % codes.Length]}}}","display":"Body Height"}],"text":"Body Height"},"subject":{"reference":"urn:uuid:{{{patient}}}"},"encounter":{"reference":"urn:uuid:{{{random.Next():x8}}}-04be-9d14-73c7cfb4a6e6"},"effectiveDateTime":"20{{{10 + i % 14:D2}}}-0{{{1 + i % 9}}}-1{{{i % 10}}}T23:58:16-04:00","issued":"2014-05-27T23:58:16.288-04:00","valueQuantity":{"value":{{{random.Next(500, 2000) / 10.0}}},"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"}}

                """));
        }

        writer.Flush();
        return stream.Length;
    }
}
