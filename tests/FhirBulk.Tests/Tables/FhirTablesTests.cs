using FhirBulk.Ndjson;
using FhirBulk.Sinks.DataFrames;
using FhirBulk.Tables;
using FhirBulk.Tests.Tables.TestSupport;
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
    public async Task RunAsync_ViewFailsStrict_ThrowsNamingViewFileAndLine()
    {
        using var dir = new TempFolder();
        string path = WriteMixedFile(dir);
        var failing = new FieldView("patients", "Patient", ("id", "id", "id")) { FailOnId = "p2" };

        var ex = await Assert.ThrowsAsync<ViewFailedException>(() =>
            CreateSut(new FhirTablesOptions { ViewErrors = ViewErrorPolicy.Fail }).RunAsync(NdjsonSource.FromFile(path), [failing], new DataFrameSink()));

        Assert.Contains($"{path}:5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'patients'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StrictSource_MalformedLineStopsRun()
    {
        using var dir = new TempFolder();
        var source = NdjsonSource.FromFile(WriteMixedFile(dir), new NdjsonSourceOptions { MalformedLines = MalformedLinePolicy.Fail });

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
    public async Task RunAsync_Progress_EveryResourceWhenClockMoves()
    {
        using var dir = new TempFolder();
        var clock = new FakeTimeProvider();
        var reports = new List<long>();
        var sut = CreateSut(new FhirTablesOptions { TimeProvider = clock, ProgressInterval = TimeSpan.FromSeconds(1) });
        var view = new TickingView(Patients, clock);

        await sut.RunAsync(NdjsonSource.FromFile(WriteMixedFile(dir)), [view], new DataFrameSink(), new SynchronousProgress(p => reports.Add(p.Resources)));

        Assert.Equal([1L, 2L, 2L], reports);
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

    /// <summary>Advances the clock past the progress interval on each Patient, so reports follow resources.</summary>
    private sealed class TickingView(FieldView inner, FakeTimeProvider clock) : FhirBulk.Views.ICompiledView
    {
        public FhirBulk.Views.ViewSchema Schema => inner.Schema;

        public IEnumerable<object?[]> Evaluate(ResourceLine resource)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            return inner.Evaluate(resource);
        }
    }
}
