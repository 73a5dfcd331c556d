using FhirBulk.Ndjson;
using FhirBulk.Sinks.DataFrames;
using FhirBulk.Tables;
using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Views;
using Microsoft.Extensions.Time.Testing;

namespace FhirBulk.Tests.Tables;

public class FhirTablesTests
{
    private static readonly FieldView Patients = new("patients", "Patient", ("id", "id", "id"), ("gender", "gender", "code"));
    private static readonly FieldView Conditions = new("conditions", "Condition", ("id", "id", "id"), ("patient", "subject.reference", "string"));

    private static FhirTables CreateSut(FhirTablesOptions? options = null) => new(options);

    private static string WriteMixedFile(TempFolder dir) => dir.Write("synthea.ndjson", string.Join("\n",
        """{"resourceType":"Patient","id":"p1","gender":"female"}""",
        """{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"}}""",
        """{"resourceType":"Observation","id":"o1"}""",
        "garbage",
        """{"resourceType":"Patient","id":"p2","gender":"male"}""",
        """{"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/p2"}}""") + "\n");

    [Fact]
    public async Task RunAsync_MixedFile_OnePassFeedsEachViewItsType()
    {
        using var dir = new TempFolder();
        var source = NdjsonSource.FromFile(WriteMixedFile(dir));
        var sink = new DataFrameSink();

        TableRunResult result = await CreateSut().RunAsync(source, [Patients, Conditions], sink);

        Assert.Equal(new Dictionary<string, long> { ["patients"] = 2, ["conditions"] = 2 }, result.RowsByTable);
        Assert.Equal(4, result.Resources);
        Assert.Equal(["p1", "p2"], sink.Tables["patients"]["id"].Cast<string>());
        Assert.Equal(["Patient/p1", "Patient/p2"], sink.Tables["conditions"]["patient"].Cast<string>());
        Assert.Equal(1, result.MalformedLines.Count);
        Assert.Equal(4, Assert.Single(result.MalformedLines.Examples).LineNumber);
        Assert.Equal(new FileInfo(source.Files[0].Name).Length, result.BytesRead);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task RunAsync_ResourcesNoViewCanSelect_PassedOverYetCountedWithTheFirelyEnginesRows(int threads)
    {
        const string smoking = """
            {"resourceType":"ViewDefinition","name":"smoking","resource":"Observation","status":"active",
             "where":[{"path":"code.coding.where(system = 'http://loinc.org' and code = '72166-2').exists()"}],
             "select":[{"column":[{"name":"id","path":"id"},{"name":"value","path":"value.ofType(CodeableConcept).text"}]}]}
            """;
        using var dir = new TempFolder();
        var observations = Enumerable.Range(0, 700).Select(i => (i % 7) switch
        {
            0 => $$$"""{"resourceType":"Observation","id":"o{{{i}}}","code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},"valueCodeableConcept":{"text":"never {{{i}}}"}}""",
            // Escapes that spell the code: the prefilter lets any line with a backslash through to the evaluation.
            1 => $$$"""{"resourceType":"Observation","id":"o{{{i}}}","code":{"coding":[{"system":"http://loinc.org","code":"72166\u002d2"}]},"valueCodeableConcept":{"text":"escaped {{{i}}}"}}""",
            2 => $$$"""{"resourceType":"Observation","id":"o{{{i}}}","code":{"coding":[{"system":"http://snomed.info/sct","code":"72166-2"}]}}""",
            _ => $$$"""{"resourceType":"Observation","id":"o{{{i}}}","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"valueQuantity":{"value":{{{i}}}}}""",
        });
        dir.Write("Observation.000.ndjson", string.Join("\n", observations) + "\n");
        dir.Write("Patient.000.ndjson", """{"resourceType":"Patient","id":"p1","gender":"female"}""" + "\n");
        var json = ViewDefinitionCompiler.Compile(smoking);
        var firely = ViewDefinitionCompiler.Compile(smoking, new ViewCompilerOptions { Engine = FhirPathEngineKind.Firely });
        Assert.True(json is IPrefilteredView { HasPrefilter: true }, "the JSON engine's view should carry a line prefilter, or this test checks nothing");
        var options = new FhirTablesOptions { MaxDegreeOfParallelism = threads };
        var sourceOptions = new NdjsonSourceOptions { BufferSize = 4096, MaxDegreeOfParallelism = threads };
        var passedOver = new DataFrameSink();
        var evaluated = new DataFrameSink();

        TableRunResult result = await CreateSut(options).RunAsync(NdjsonSource.FromFolder(dir.Path, sourceOptions), [json, Patients], passedOver);
        TableRunResult reference = await CreateSut(options).RunAsync(NdjsonSource.FromFolder(dir.Path, sourceOptions), [firely, Patients], evaluated);

        Assert.Equal(200, result.RowsByTable["smoking"]);
        Assert.Equal(reference.RowsByTable, result.RowsByTable);
        Assert.Equal(evaluated.Tables["smoking"]["id"].Cast<string>(), passedOver.Tables["smoking"]["id"].Cast<string>());
        Assert.Equal(evaluated.Tables["smoking"]["value"].Cast<string>(), passedOver.Tables["smoking"]["value"].Cast<string>());
        Assert.Equal(new Dictionary<string, long> { ["Observation"] = 700, ["Patient"] = 1 }, result.ResourcesByType);
        Assert.Equal(reference.ResourcesByType, result.ResourcesByType);
        Assert.Equal(701, result.Resources);
    }

    [SyntheaTheory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task RunAsync_ViewsThatKeepNoBytes_BorrowTheReadBuffersAndGiveTheRowsOfCopiedLines(int threads)
    {
        var views = ViewDefinitionLoader.Load(FhirBulk.Tests.Views.WorkshopFolder.Views);
        var options = new FhirTablesOptions { MaxDegreeOfParallelism = threads };
        // Small buffers, so thousands of reads: one read into again while a line lent from it still waits in a batch
        // would change that line's rows.
        var sourceOptions = new NdjsonSourceOptions { BufferSize = 4096, MaxDegreeOfParallelism = threads };
        var borrowing = views.Select(v => new ProbeView(v, keepsNoBytes: true)).ToList();
        var keeping = views.Select(v => new ProbeView(v, keepsNoBytes: false)).ToList();
        var borrowed = new DataFrameSink();
        var copied = new DataFrameSink();

        await CreateSut(options).RunAsync(NdjsonSource.FromFolder(SyntheaSample.Path, sourceOptions), borrowing, borrowed);
        await CreateSut(options).RunAsync(NdjsonSource.FromFolder(SyntheaSample.Path, sourceOptions), keeping, copied);

        Assert.True(borrowing.Sum(v => v.Lent) > 1000, $"the run should lend most lines, lent {borrowing.Sum(v => v.Lent)}");
        Assert.Equal(0, keeping.Sum(v => v.Lent));
        Assert.Equal(views.Count, copied.Tables.Count);
        Assert.True(copied.Tables.Values.Sum(t => t.Rows.Count) > 1000, "the views should give rows to compare");
        foreach (var (name, table) in copied.Tables)
        {
            Assert.Equal(Cells(table), Cells(borrowed.Tables[name]));
        }
    }

    [Fact]
    public async Task RunAsync_AViewThatMayKeepLines_GetsLinesThatOwnTheirBytesForTheWholeRun()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", string.Join("\n", Enumerable.Range(0, 300).Select(i => $$"""{"resourceType":"Patient","id":"p{{i}}","gender":"female"}""")) + "\n");
        const string patients = """
            {"resourceType":"ViewDefinition","name":"patients","resource":"Patient","status":"active","select":[{"column":[{"name":"id","path":"id"}]}]}
            """;
        const string genders = """
            {"resourceType":"ViewDefinition","name":"genders","resource":"Patient","status":"active","select":[{"column":[{"name":"gender","path":"gender"}]}]}
            """;
        var keeping = new ProbeView(ViewDefinitionCompiler.Compile(patients), keepsNoBytes: false);
        var sourceOptions = new NdjsonSourceOptions { BufferSize = 4096 };

        // One view that may keep a line is enough for the run to copy every line, for the other views too.
        await CreateSut().RunAsync(NdjsonSource.FromFolder(dir.Path, sourceOptions), [ViewDefinitionCompiler.Compile(genders), keeping], new DataFrameSink());

        Assert.Equal(300, keeping.Kept.Count);
        Assert.Equal(0, keeping.Lent);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"p{i}"), keeping.Kept.OrderBy(l => l.LineNumber).Select(l => System.Text.Json.JsonDocument.Parse(l.Json).RootElement.GetProperty("id").GetString()));
    }

    private static List<string> Cells(Microsoft.Data.Analysis.DataFrame table) =>
        [.. table.Rows.Select(row => string.Join("\u001f", row.Select(v => v?.ToString() ?? "<null>")))];

    /// <summary>
    /// Runs a view and counts the lines it was lent; keeps every line it is given, which only a view that says it may
    /// (<c>keepsNoBytes: false</c>) is allowed to.
    /// </summary>
    private sealed class ProbeView(ICompiledView inner, bool keepsNoBytes) : ICompiledView, IBorrowingView
    {
        private int _lent;

        public ViewSchema Schema => inner.Schema;

        public ViewEngineChoice Engine => inner.Engine;

        public bool KeepsNoBytes => keepsNoBytes;

        public int Lent => _lent;

        public System.Collections.Concurrent.ConcurrentQueue<ResourceLine> Kept { get; } = new();

        public IEnumerable<object?[]> Evaluate(ResourceLine resource)
        {
            if (resource.Block is not null)
            {
                Interlocked.Increment(ref _lent);
            }

            if (!keepsNoBytes)
            {
                Kept.Enqueue(resource);
            }

            return inner.Evaluate(resource);
        }
    }

    [Fact]
    public async Task RunAsync_ViewForAbsentType_CreatesEmptyTable()
    {
        using var dir = new TempFolder();
        var sink = new DataFrameSink();

        TableRunResult result = await CreateSut().RunAsync(NdjsonSource.FromFile(WriteMixedFile(dir)), [new FieldView("meds", "MedicationRequest", ("id", "id", "id"))], sink);

        Assert.Equal(0, result.RowsByTable["meds"]);
        Assert.Equal(0, sink.Tables["meds"].Rows.Count);
    }

    [Fact]
    public async Task RunAsync_ViewFailsLenient_SkipsThatResourceAndReports()
    {
        using var dir = new TempFolder();
        var failing = new FieldView("patients", "Patient", ("id", "id", "id")) { FailOnId = "p1" };
        var sink = new DataFrameSink();

        TableRunResult result = await CreateSut().RunAsync(NdjsonSource.FromFile(WriteMixedFile(dir)), [failing, Conditions], sink);

        Assert.Equal(["p2"], sink.Tables["patients"]["id"].Cast<string>());
        Assert.Equal(2, result.RowsByTable["conditions"]);
        Assert.Equal(1, result.ViewErrorCount);
        ViewError error = Assert.Single(result.ViewErrors);
        Assert.Equal(("patients", 1L, "p1"), (error.View, error.LineNumber, error.ResourceId));
        Assert.Contains("boom on p1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ValueNotFittingItsColumnType_RowKeptWithNullAndColumnReported()
    {
        using var dir = new TempFolder();
        string path = dir.Write("Patient.000.ndjson", """
            {"resourceType":"Patient","id":"p1","meta":{"lastUpdated":"2024-08-06T18:12:57Z"}}
            {"resourceType":"Patient","id":"p2","meta":{"lastUpdated":"yesterday"}}
            """);
        var view = new FieldView("patients", "Patient", ("id", "id", "id"), ("updated", "meta.lastUpdated", "instant"));
        string db = dir.File("t.duckdb");

        TableRunResult result;
        await using (var sink = new FhirBulk.Sinks.DuckDb.DuckDbSink(db))
        {
            result = await CreateSut().RunAsync(NdjsonSource.FromFile(path), [view], sink);
        }

        Assert.Equal(2, result.RowsByTable["patients"]);
        Assert.Empty(result.ViewErrors);
        ColumnMisfits misfits = Assert.Single(result.ValueMisfits);
        Assert.Equal(("patients", "updated", "TIMESTAMP WITH TIME ZONE", 1L), (misfits.View, misfits.Column, misfits.Type.ToString(), misfits.Count));
        MisfitValue example = Assert.Single(misfits.Examples);
        Assert.Equal(("Patient/p2", 2L), (example.ResourceKey, example.LineNumber));
        Assert.StartsWith("'yesterday': ", example.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ViewFailsStrict_ThrowsNamingViewFileAndLine()
    {
        using var dir = new TempFolder();
        string path = WriteMixedFile(dir);
        var failing = new FieldView("patients", "Patient", ("id", "id", "id")) { FailOnId = "p2" };

        var ex = await Assert.ThrowsAsync<ViewEvaluationException>(() =>
            CreateSut(new FhirTablesOptions { ViewErrors = ErrorPolicy.Fail }).RunAsync(NdjsonSource.FromFile(path), [failing], new DataFrameSink()));

        Assert.Contains($"{path}:5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'patients'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ParallelStrict_FirstFailureInReadingOrder()
    {
        using var dir = new TempFolder();
        string path = dir.Write("Patient.000.ndjson", string.Join("\n", Enumerable.Range(0, 1000).Select(i => $$"""{"resourceType":"Patient","id":"p{{i}}"}""")));
        var failing = new FieldView("patients", "Patient", ("id", "id", "id")) { FailOnId = "p700" };
        var failingToo = new FieldView("more", "Patient", ("id", "id", "id")) { FailOnId = "p701" };
        var sut = CreateSut(new FhirTablesOptions { ViewErrors = ErrorPolicy.Fail, MaxDegreeOfParallelism = 4 });

        var ex = await Assert.ThrowsAsync<ViewEvaluationException>(() => sut.RunAsync(NdjsonSource.FromFile(path), [failingToo, failing], new DataFrameSink()));

        Assert.Equal(("patients", 701L), (ex.Error!.View, ex.Error.LineNumber));
    }

    [Fact]
    public async Task RunAsync_Parallel_ReadsOnWhileAnEarlierBatchIsStillBeingEvaluated()
    {
        using var dir = new TempFolder();
        string path = dir.Write("Patient.000.ndjson", string.Join("\n", Enumerable.Range(0, 2000).Select(i => $$"""{"resourceType":"Patient","id":"p{{i}}"}""")));
        using var laterBatchEvaluated = new ManualResetEventSlim();

        // p0 is in the first batch and p600 in the third: the first can only finish once the reader
        // has gone on past it, which a run that reads, evaluates and writes in turn never does.
        var view = new FieldView("patients", "Patient", ("id", "id", "id"))
        {
            BeforeEvaluate = resource =>
            {
                if (resource.Id == "p600")
                {
                    laterBatchEvaluated.Set();
                }
                else if (resource.Id == "p0" && !laterBatchEvaluated.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException("the reader did not go on while the first batch was evaluated");
                }
            },
        };
        var sink = new DataFrameSink();

        // 10 KB reads: a read buffer is a batch, so p600 (at byte 23,290) is in the third.
        TableRunResult result = await CreateSut(new FhirTablesOptions { ViewErrors = ErrorPolicy.Fail, MaxDegreeOfParallelism = 2 })
            .RunAsync(NdjsonSource.FromFile(path, new NdjsonSourceOptions { BufferSize = 10_000 }), [view], sink);

        Assert.Equal(2000, result.RowsByTable["patients"]);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"p{i}"), sink.Tables["patients"]["id"].Cast<string>());
    }

    [Fact]
    public async Task RunAsync_StrictSource_MalformedLineStopsRun()
    {
        using var dir = new TempFolder();
        var source = NdjsonSource.FromFile(WriteMixedFile(dir), new NdjsonSourceOptions { MalformedLines = ErrorPolicy.Fail });

        var ex = await Assert.ThrowsAsync<MalformedNdjsonException>(() => CreateSut().RunAsync(source, [Patients], new DataFrameSink()));

        Assert.Equal(4, ex.LineNumber);
    }

    [Fact]
    public async Task RunAsync_DuplicateViewNames_RejectedBeforeReading()
    {
        var source = NdjsonSource.FromStream(new MemoryStream());

        await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateSut().RunAsync(source, [Patients, new FieldView("PATIENTS", "Patient")], new DataFrameSink()));
        Assert.Empty(await source.ReadAllAsync());
    }

    [Fact]
    public async Task RunAsync_Progress_ReportedWhenIntervalElapsesAndAtEnd()
    {
        using var dir = new TempFolder();
        var clock = new FakeTimeProvider();
        var reports = new List<TableProgress>();
        var progress = new SynchronousProgress(p => { reports.Add(p); clock.Advance(TimeSpan.FromSeconds(1)); });
        var sut = CreateSut(new FhirTablesOptions { TimeProvider = clock, ProgressInterval = TimeSpan.FromSeconds(10) });

        await sut.RunAsync(NdjsonSource.FromFile(WriteMixedFile(dir)), [Patients, Conditions], new DataFrameSink(), progress);

        TableProgress last = Assert.Single(reports);
        Assert.Equal((4L, 4L, 1L), (last.Resources, last.Rows, last.MalformedLines));
        Assert.Equal(1.0, last.Fraction);
    }

    [Fact]
    public async Task RunAsync_ZeroIntervalLinesCopied_ReportsEveryResourceAndTheEnd()
    {
        using var dir = new TempFolder();
        var reports = new List<(long Resources, long Rows)>();
        var sut = CreateSut(new FhirTablesOptions { TimeProvider = new FakeTimeProvider(), ProgressInterval = TimeSpan.Zero });

        await sut.RunAsync(NdjsonSource.FromFile(WriteMixedFile(dir)), [new ProbeView(Patients, keepsNoBytes: false)], new DataFrameSink(), new SynchronousProgress(p => reports.Add((p.Resources, p.Rows))));

        Assert.Equal([(1L, 0L), (2L, 0L), (2L, 2L)], reports);
    }

    [Fact]
    public async Task RunAsync_ZeroIntervalLinesLent_ReportsAfterEveryReadBufferAndAtTheEnd()
    {
        using var dir = new TempFolder();
        string path = dir.Write("Patient.000.ndjson", string.Join("\n", Enumerable.Range(0, 500).Select(i => $$"""{"resourceType":"Patient","id":"p{{i}}"}""")) + "\n");
        var reports = new List<(long Resources, long Rows)>();
        var sut = CreateSut(new FhirTablesOptions { TimeProvider = new FakeTimeProvider(), ProgressInterval = TimeSpan.Zero, MaxDegreeOfParallelism = 1 });

        // About 19 KB in 4 KiB reads: five buffers, each a batch written once the next is read.
        await sut.RunAsync(NdjsonSource.FromFile(path, new NdjsonSourceOptions { BufferSize = 4096 }), [Patients], new DataFrameSink(), new SynchronousProgress(p => reports.Add((p.Resources, p.Rows))));

        Assert.Equal(6, reports.Count);
        Assert.Equal((500L, 500L), reports[^1]);
        Assert.Equal(reports.OrderBy(r => r.Resources), reports);
        Assert.Contains(reports, r => r.Resources is > 0 and < 500 && r.Rows == r.Resources);
    }

    [Fact]
    public async Task ReprocessAsync_StreamWithUnmappedType_RefusedBeforeReading()
    {
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("""{"resourceType":"Observation","id":"o1"}"""));
        var columns = new Dictionary<string, IReadOnlyList<FhirBulk.Views.Workshop.WorkshopColumn>> { ["Patient"] = [("id", "id")] };

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => CreateSut().ReprocessAsync(NdjsonSource.FromStream(stream), columns, new DataFrameSink()));

        Assert.Contains("stdin", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public async Task ReprocessAsync_MixedFile_MappedColumnsAndFlattenedRest()
    {
        using var dir = new TempFolder();
        var columns = new Dictionary<string, IReadOnlyList<FhirBulk.Views.Workshop.WorkshopColumn>> { ["Patient"] = [("pid", "id"), ("sex", "gender")] };
        var sink = new DataFrameSink();
        var stages = new List<TableStage>();
        var sut = CreateSut(new FhirTablesOptions { TimeProvider = new FakeTimeProvider(), ProgressInterval = TimeSpan.Zero });

        TableRunResult result = await sut.ReprocessAsync(NdjsonSource.FromFile(WriteMixedFile(dir)), columns, sink, new SynchronousProgress(p => stages.Add(p.Stage)));

        Assert.Equal(["condition", "observation", "patient"], result.RowsByTable.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["pid", "sex"], sink.Tables["patient"].Columns.Select(c => c.Name));
        Assert.Equal(["female", "male"], sink.Tables["patient"]["sex"].Cast<string>());
        Assert.Equal(["id", "subject_reference"], sink.Tables["condition"].Columns.Select(c => c.Name));
        Assert.Equal(1, result.MalformedLines.Count);
        Assert.Equal([TableStage.ScanningColumns, TableStage.WritingRows], stages.Distinct());
    }

    [Fact]
    public async Task GetExampleResourceAsync_TypeAndId_FindsIt()
    {
        using var dir = new TempFolder();
        var source = NdjsonSource.FromFile(WriteMixedFile(dir));
        var sut = CreateSut();

        ResourceLine? first = await sut.GetExampleResourceAsync(source, "Patient");
        ResourceLine? byId = await sut.GetExampleResourceAsync(source, "Patient", "p2");
        ResourceLine? missing = await sut.GetExampleResourceAsync(source, "Patient", "p9");

        Assert.Equal("p1", first?.Id);
        Assert.Equal(5, byId?.LineNumber);
        Assert.Null(missing);
    }

    [Fact]
    public async Task SampleIdsAsync_IdNotThereOfATypeThatIs_CountsThatTypeAndNamesItsFirstIds()
    {
        // What `example --id nope` says instead of listing every type of the export when the type is there.
        using var dir = new TempFolder();
        var source = NdjsonSource.FromFile(WriteMixedFile(dir));
        var sut = CreateSut();

        ResourceIdSample all = await sut.SampleIdsAsync(source, "Patient");
        ResourceIdSample first = await sut.SampleIdsAsync(source, "Patient", shown: 1);
        ResourceIdSample none = await sut.SampleIdsAsync(source, "Encounter");

        Assert.Equal("2 Patient resources (ids p1, p2)", all.ToString());
        Assert.Equal("2 Patient resources (id p1 and 1 more)", first.ToString());
        Assert.Equal((0L, "no Encounter resource"), (none.Count, none.ToString()));
    }

    [Fact]
    public async Task CountResourcesAsync_MixedFile_CountsByType()
    {
        using var dir = new TempFolder();

        var counts = await CreateSut().CountResourcesAsync(NdjsonSource.FromFile(WriteMixedFile(dir)));

        Assert.Equal(new Dictionary<string, long> { ["Condition"] = 2, ["Observation"] = 1, ["Patient"] = 2 }, counts);
    }

    private sealed class SynchronousProgress(Action<TableProgress> onReport) : IProgress<TableProgress>
    {
        public void Report(TableProgress value) => onReport(value);
    }
}
