using System.IO.Compression;
using System.Text;
using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.Ndjson;
using FhirBulk.Storage;
using FhirBulk.Tests.ExportFolder;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Ndjson;

public class NdjsonSourceTests
{
    private const string Patient1 = """{"resourceType":"Patient","id":"p1"}""";
    private const string Patient2 = """{"resourceType":"Patient","id":"p2"}""";
    private const string Condition1 = """{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"}}""";

    [Fact]
    public async Task FromFolder_ExportFolder_ReadsResourceFilesOnlyGroupedByType()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.001.ndjson", Patient2 + "\n");
        dir.Write("Patient.000.ndjson", Patient1 + "\n");
        dir.Write("Condition.000.ndjson", Condition1 + "\n");
        dir.Write("log.ndjson", """{"eventId":"kickoff"}""" + "\n");
        dir.Write("manifest.json", "{}");
        dir.Write("error/OperationOutcome.000.ndjson", """{"resourceType":"OperationOutcome"}""" + "\n");
        dir.Write("deleted/Bundle.000.ndjson", """{"resourceType":"Bundle"}""" + "\n");

        var lines = await NdjsonSource.FromFolder(dir.Path).ReadAllAsync();

        Assert.Equal(["c1", "p1", "p2"], lines.Select(l => l.Id));
        Assert.EndsWith("Patient.000.ndjson", lines[1].SourceName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadBlocksAsync_LinesLent_ABufferIsReadIntoAgainOnlyOnceItAndEveryLineLentFromItAreReleased()
    {
        using var dir = new TempFolder();
        // Lines of many lengths over 4 KiB buffers: most lie inside one read, some across two (those are copied).
        var texts = Enumerable.Range(0, 400)
            .Select(i => $$"""{"resourceType":"Patient","id":"p{{i}}","name":[{"family":"F{{i}}{{new string('x', i * 7 % 97)}}"}],"gender":"other"}""")
            .ToList();
        dir.Write("Patient.000.ndjson", string.Join("\n", texts) + "\n");
        var options = new NdjsonSourceOptions { BufferSize = 4096 };
        IAsyncEnumerable<NdjsonLineReader.ReadBlock> Read() =>
            NdjsonSource.FromFolder(dir.Path, options).ReadBlocksAsync(null, null, CancellationToken.None, topLevelMembers: true);

        // Held, never released: no buffer is read into again, so every line keeps the bytes it was read with.
        var held = new List<ResourceLine>();
        await foreach (var block in Read())
        {
            block.Judge();
            block.Settle();
            held.AddRange(block.Resources);
        }

        Assert.Equal(texts, held.Select(l => Encoding.UTF8.GetString(l.Json.Span)));
        Assert.True(held.Count(l => l.Block is not null) > 300, "most lines should be lent where they lie, not copied");
        Assert.True(held.Select(l => l.Block).OfType<LineBlock>().Distinct().Count() > 10, "each read should take a buffer of its own");
        foreach (var line in held)
        {
            var walked = FhirBulk.Views.FhirPath.Json.TopLevelIndex.Build(line.Json.Span).Members.ToArray();
            Assert.Equal(walked.SelectMany(m => new[] { m.NameStart, m.NameEnd, m.ValueStart, m.ValueEnd }), TopLevelMembers.For(line).ToArray());
        }

        // Released as they come: the reads take turns with the same buffer, and each line is whole when handed out.
        var blocks = new HashSet<LineBlock>(ReferenceEqualityComparer.Instance);
        var read = 0;
        await foreach (var block in Read())
        {
            block.Judge();
            block.Settle();
            foreach (var line in block.Resources)
            {
                Assert.Equal(texts[read++], Encoding.UTF8.GetString(line.Json.Span));
                if (line.Block is { } lent)
                {
                    blocks.Add(lent);
                    lent.Release();
                }
            }

            block.Release();
        }

        Assert.Equal(texts.Count, read);
        Assert.Single(blocks);
    }

    [Theory]
    [InlineData(ErrorPolicy.Skip)]
    [InlineData(ErrorPolicy.Fail)]
    public async Task ReadBlocksAsync_JudgedOutOfOrderThenSettledInOrder_GiveTheResourcesAndReportsOfReadAsync(ErrorPolicy policy)
    {
        using var dir = new TempFolder();
        // Lines up to 300 bytes over 4 KiB reads (some across two), every 17th malformed, and a gzip file cut short.
        dir.Write("Patient.000.ndjson", string.Join("\n", Enumerable.Range(0, 300).Select(i => i % 17 == 16
            ? $$"""{"resourceType":"Patient","id":"bad{{i}}",""" + "\r"
            : $$"""{"resourceType":"Patient","id":"p{{i}}","name":[{"family":"{{new string('x', i % 250)}}"}]}""")) + "\n");
        var (cut, _) = CheckedGzipStreamTests.CutAtFlush(CheckedGzipStreamTests.Lines(0, 100), CheckedGzipStreamTests.Lines(100, 100));
        await File.WriteAllBytesAsync(dir.File("Patient.001.ndjson.gz"), cut);
        var options = new NdjsonSourceOptions { BufferSize = 4096, MalformedLines = policy };

        var expected = new List<ResourceLine>();
        var lineSource = NdjsonSource.FromFolder(dir.Path, options);
        var expectedFailure = await Record.ExceptionAsync(async () =>
        {
            await foreach (var line in lineSource.ReadAsync())
            {
                expected.Add(line);
            }
        });

        var blockSource = NdjsonSource.FromFolder(dir.Path, options);
        var blocks = new List<NdjsonLineReader.ReadBlock>();
        await foreach (var block in blockSource.ReadBlocksAsync(null, null, CancellationToken.None, topLevelMembers: true))
        {
            blocks.Add(block);
        }

        // As the table runner's workers do: each block judged on its own thread, in whatever order they finish.
        await Task.WhenAll(Enumerable.Reverse(blocks).Select(block => Task.Run(block.Judge)));
        var got = new List<ResourceLine>();
        var failure = Record.Exception(() =>
        {
            foreach (var block in blocks)
            {
                block.Settle();
                got.AddRange(block.Resources);
            }
        });

        Assert.True(blocks.Count > 10, $"the input should span many reads, not {blocks.Count}");
        Assert.Equal(expectedFailure?.GetType(), failure?.GetType());
        Assert.Equal(expectedFailure?.Message, failure?.Message);
        Assert.Equal(policy == ErrorPolicy.Fail ? 0 : 383, expected.Count);
        Assert.Equal(expected.Select(l => (l.SourceName, l.LineNumber, l.Id)), got.Take(expected.Count).Select(l => (l.SourceName, l.LineNumber, l.Id)));
        Assert.Equal(expected.Select(l => Encoding.UTF8.GetString(l.Json.Span)), got.Take(expected.Count).Select(l => Encoding.UTF8.GetString(l.Json.Span)));
        Assert.Equal(lineSource.MalformedLines.Count, blockSource.MalformedLines.Count);
        Assert.Equal(lineSource.MalformedLines.Examples.Select(m => m.ToString()), blockSource.MalformedLines.Examples.Select(m => m.ToString()));
    }

    [Fact]
    public async Task ReadAsync_LinesNotLent_OwnTheirBytes()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n" + Patient2 + "\n");

        var lines = await NdjsonSource.FromFolder(dir.Path).ReadAllAsync();

        Assert.All(lines, line => Assert.Null(line.Block));
    }

    [Fact]
    public void LineBlock_ReleasedMoreOftenThanHeld_Throws()
    {
        var block = new LineBlockPool(4096).Rent();
        block.Hold();
        block.Release();
        block.Release();

        Assert.Throws<InvalidOperationException>(block.Release);
    }

    [Fact]
    public async Task ReadAsync_TopLevelMembersAsked_EachResourceCarriesThemForItsOwnBytesOnly()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n" + """ {"resourceType":"Patient","id":"p3","name":[{"family":"Ito"}],"_gender":{"id":"g"}} """ + "\n");
        var source = NdjsonSource.FromFolder(dir.Path);

        var lines = new List<ResourceLine>();
        await foreach (var line in source.ReadAsync(null, null, CancellationToken.None, topLevelMembers: true))
        {
            lines.Add(line);
        }

        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            var walked = FhirBulk.Views.FhirPath.Json.TopLevelIndex.Build(line.Json.Span).Members.ToArray();
            Assert.Equal(walked.SelectMany(m => new[] { m.NameStart, m.NameEnd, m.ValueStart, m.ValueEnd }), TopLevelMembers.For(line).ToArray());
            // A line made from it with other bytes has no table: the old one would describe bytes it no longer holds.
            Assert.True(TopLevelMembers.For(line with { Json = line.Json[..^1] }).IsEmpty);
            Assert.True(TopLevelMembers.For(line with { Json = line.Json.ToArray() }).IsEmpty);
        }

        Assert.Equal(4, TopLevelMembers.For(lines[1]).Length / 4);
    }

    [Fact]
    public async Task FromFolder_TypeFilter_SkipsOtherFilesAndLines()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n");
        dir.Write("Condition.000.ndjson", Condition1 + "\n");
        dir.Write("mixed.ndjson", Condition1 + "\n" + Patient2 + "\n");

        var source = NdjsonSource.FromFolder(dir.Path);

        var lines = await source.ReadAllAsync(["Patient"]);

        Assert.Equal(["p1", "p2"], lines.Select(l => l.Id));
        Assert.Equal(source.TotalBytes, source.BytesRead);
    }

    [Fact]
    public async Task ReadAsync_ResourceOfAnotherTypeInATypedFile_MalformedWhicheverTypesAreRead()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n");
        dir.Write("Observation.000.ndjson", """{"resourceType":"Observation","id":"o1"}""" + "\n" + Patient2 + "\n");
        var yields = new List<string>();
        foreach (string[]? types in new string[]?[] { null, ["Patient"], ["Patient", "Observation"] })
        {
            var source = NdjsonSource.FromFolder(dir.Path);

            var lines = await source.ReadAllAsync(types);

            yields.Add(string.Join(",", lines.Where(l => l.ResourceType == "Patient").Select(l => l.Id)));
            if (types is null || types.Contains("Observation"))
            {
                var malformed = Assert.Single(source.MalformedLines.Examples);
                Assert.Equal((2L, "resourceType 'Patient', expected 'Observation'"), (malformed.LineNumber, malformed.Message));
                Assert.EndsWith("Observation.000.ndjson", malformed.SourceName, StringComparison.Ordinal);
            }
        }

        Assert.Equal(["p1", "p1", "p1"], yields);
    }

    [Fact]
    public async Task FromFolder_MixedFileWhoseNameOnlyLooksLikeAType_ReadForEveryType()
    {
        using var dir = new TempFolder();
        dir.Write("Synthea-all.ndjson", Condition1 + "\n" + Patient2 + "\n");

        var source = NdjsonSource.FromFolder(dir.Path);
        var lines = await source.ReadAllAsync(["Patient"]);

        Assert.Null(Assert.Single(source.Files).ResourceType);
        Assert.Equal(["p2"], lines.Select(l => l.Id));
        Assert.Equal(0, source.MalformedLines.Count);
    }

    [Fact]
    public async Task FromFolder_Missing_Throws()
    {
        using var dir = new TempFolder();

        Assert.Throws<DirectoryNotFoundException>(() => NdjsonSource.FromFolder(dir.File("nope")));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task FromFile_GzipWithPlainName_DetectedByMagicBytes()
    {
        using var dir = new TempFolder();
        string path = dir.File("Patient.000.ndjson");
        await using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(Patient1 + "\n" + Patient2 + "\n"));
        }

        var lines = await NdjsonSource.FromFile(path).ReadAllAsync();

        Assert.Equal(["p1", "p2"], lines.Select(l => l.Id));
    }

    [Fact]
    public async Task FromFile_MixedTypes_KeepsEachLinesType()
    {
        using var dir = new TempFolder();
        string path = dir.Write("synthea_100.ndjson", Patient1 + "\n" + Condition1 + "\n");

        var lines = await NdjsonSource.FromFile(path).ReadAllAsync();

        Assert.Equal(["Patient", "Condition"], lines.Select(l => l.ResourceType));
        Assert.Equal([1L, 2L], lines.Select(l => l.LineNumber));
    }

    [Fact]
    public async Task ReadAsync_BomCrlfBlankLinesNoFinalNewline_AllHandled()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Patient1 + "\r\n\r\n   \n" + Patient2)];

        var lines = await NdjsonSource.FromStream(new MemoryStream(bytes)).ReadAllAsync();

        Assert.Equal(["p1", "p2"], lines.Select(l => l.Id));
        Assert.Equal([1L, 4L], lines.Select(l => l.LineNumber));
        Assert.Equal(Patient2, Encoding.UTF8.GetString(lines[1].Json.Span));
    }

    [Fact]
    public async Task ReadAsync_MalformedLinesLenient_SkippedAndReportedWithFileAndLine()
    {
        using var dir = new TempFolder();
        string path = dir.Write("Patient.000.ndjson", Patient1 + "\nnot json\n[1]\n{\"id\":\"x\"}\n" + Patient2 + "\n");
        var source = NdjsonSource.FromFile(path, new NdjsonSourceOptions { MaxReportedMalformedLines = 2 });

        var lines = await source.ReadAllAsync();

        Assert.Equal(["p1", "p2"], lines.Select(l => l.Id));
        Assert.Equal(3, source.MalformedLines.Count);
        Assert.Equal([2L, 3L], source.MalformedLines.Examples.Select(e => e.LineNumber));
        Assert.All(source.MalformedLines.Examples, e => Assert.Equal(path, e.SourceName));
    }

    [Fact]
    public async Task ReadAsync_MalformedLineStrict_ThrowsNamingFileAndLine()
    {
        using var dir = new TempFolder();
        string path = dir.Write("Patient.000.ndjson", Patient1 + "\n{\"resourceType\":\n");
        var source = NdjsonSource.FromFile(path, new NdjsonSourceOptions { MalformedLines = ErrorPolicy.Fail });

        var ex = await Assert.ThrowsAsync<MalformedNdjsonException>(() => source.ReadAllAsync());

        Assert.Equal(path, ex.SourceName);
        Assert.Equal(2, ex.LineNumber);
        Assert.StartsWith($"{path}:2: not valid JSON: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_GzipCutAtFlushPointLenient_YieldsTheLinesBeforeTheCutAndReportsIt()
    {
        using var dir = new TempFolder();
        var (cut, _) = CheckedGzipStreamTests.CutAtFlush(CheckedGzipStreamTests.Lines(0, 100), CheckedGzipStreamTests.Lines(100, 100));
        string path = dir.File("Patient.000.ndjson.gz");
        await File.WriteAllBytesAsync(path, cut);
        var source = NdjsonSource.FromFile(path);

        var lines = await source.ReadAllAsync();

        Assert.Equal(100, lines.Count);
        var report = Assert.Single(source.MalformedLines.Examples);
        Assert.Equal(
            $"{path}:101: truncated gzip: the data ends after {cut.Length} compressed bytes without the CRC-32 and size trailer of its last member",
            report.ToString());
    }

    [Fact]
    public async Task ReadAsync_GzipCutMidLineStrict_ThrowsTruncatedGzipNamingFileLineAndBytes()
    {
        using var dir = new TempFolder();
        var data = CheckedGzipStreamTests.Lines(0, 10);
        var (cut, _) = CheckedGzipStreamTests.CutAtFlush(data[..(data.Length - 5)], data[(data.Length - 5)..]);
        string path = dir.File("Patient.000.ndjson.gz");
        await File.WriteAllBytesAsync(path, cut);
        var source = NdjsonSource.FromFile(path, new NdjsonSourceOptions { MalformedLines = ErrorPolicy.Fail });
        var read = new List<ResourceLine>();

        var ex = await Assert.ThrowsAsync<TruncatedGzipException>(async () =>
        {
            await foreach (var line in source.ReadAsync())
            {
                read.Add(line);
            }
        });

        Assert.Equal(9, read.Count);
        Assert.Equal((path, 10L, (long)cut.Length), (ex.SourceName, ex.LineNumber, ex.CompressedBytesRead));
    }

    [Fact]
    public async Task ReadAsync_MultiMemberGzip_ReadsEveryMember()
    {
        byte[] gzip = [.. CheckedGzipStreamTests.Gzip(Encoding.UTF8.GetBytes(Patient1 + "\n")), .. CheckedGzipStreamTests.Gzip(Encoding.UTF8.GetBytes(Patient2 + "\n"))];

        var source = NdjsonSource.FromStream(new MemoryStream(gzip));
        var lines = await source.ReadAllAsync();

        Assert.Equal(["p1", "p2"], lines.Select(l => l.Id));
        Assert.Equal(0, source.MalformedLines.Count);
    }

    [Fact]
    public async Task ReadAsync_NumericId_Rejected()
    {
        var source = NdjsonSource.FromStream(new MemoryStream("{\"resourceType\":\"Patient\",\"id\":5}\n"u8.ToArray()), "f");

        Assert.Empty(await source.ReadAllAsync());
        Assert.Equal("f:1: \"id\" is a number, not a string", Assert.Single(source.MalformedLines.Examples).ToString());
    }

    [Fact]
    public async Task ReadAsync_StreamTwice_Throws()
    {
        var source = NdjsonSource.FromStream(new MemoryStream(Encoding.UTF8.GetBytes(Patient1)));
        await source.ReadAllAsync();

        Assert.Throws<InvalidOperationException>(() => source.ReadAsync());
    }

    [Fact]
    public async Task ReadAsync_FileTwice_ReadsAgainWithFreshReport()
    {
        using var dir = new TempFolder();
        string path = dir.Write("Patient.000.ndjson", Patient1 + "\nbad\n");
        var source = NdjsonSource.FromFile(path);

        await source.ReadAllAsync();
        var again = await source.ReadAllAsync();

        Assert.Single(again);
        Assert.Equal(1, source.MalformedLines.Count);
        Assert.Equal(new FileInfo(path).Length, source.BytesRead);
    }

    [Fact]
    public async Task ReadAsync_LineLargerThanBuffer_ReadWhole()
    {
        string big = $$"""{"resourceType":"Binary","id":"b","data":"{{new string('x', 50_000)}}"}""";
        var source = NdjsonSource.FromStream(new MemoryStream(Encoding.UTF8.GetBytes(big + "\n" + Patient1)), "big", new NdjsonSourceOptions { BufferSize = 4096 });

        var lines = await source.ReadAllAsync();

        Assert.Equal(big.Length, lines[0].Json.Length);
        Assert.Equal("p1", lines[1].Id);
    }

    [Fact]
    public void Open_FolderOrFile_ReadsAccordingly()
    {
        using var dir = new TempFolder();
        string file = dir.Write("Patient.000.ndjson", Patient1 + "\n");
        dir.Write("Condition.000.ndjson", Condition1 + "\n");

        Assert.Equal(2, NdjsonSource.Open(dir.Path).Files.Count);
        Assert.Equal(file, Assert.Single(NdjsonSource.Open(file).Files).Name);
        Assert.True(NdjsonSource.Open(file).IsRepeatable);
        Assert.Throws<FileNotFoundException>(() => NdjsonSource.Open(dir.File("missing.ndjson")));
    }

    [Fact]
    public void FromFolder_UnfinishedExport_RefusedCountingCompleteFilesAndGivingTheResumeCommand()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n");
        dir.Write("Observation.000.ndjson.part", "{\"resourceType\":\"Obs");
        ExportStates.Write(dir.Path, completed: false, ("Patient.000.ndjson", ExportFileStatus.Complete), ("Observation.000.ndjson", ExportFileStatus.Pending));

        var error = Assert.Throws<ExportFolderException>(() => NdjsonSource.FromFolder(dir.Path));

        Assert.Equal(dir.Path, error.Folder);
        Assert.Equal($"{dir.Path} holds an unfinished export (1 of 2 files of its manifest are complete): its tables would lack the rest. Resume it first: fhir-bulk export --resume {dir.Path}", error.Message);
    }

    [Fact]
    public void FromFolder_ExportStillRunning_RefusedSayingToWaitNotToResume()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n");
        ExportStates.Write(dir.Path, completed: false, ("Patient.000.ndjson", ExportFileStatus.Complete), ("Observation.000.ndjson", ExportFileStatus.Pending));
        using (ExportFolderLock.Acquire(dir.Path))
        {
            var error = Assert.Throws<ExportFolderException>(() => NdjsonSource.FromFolder(dir.Path));

            Assert.Equal($"{dir.Path} holds an export that is still running (process {Environment.ProcessId}): its tables would lack the rest. Wait for it to finish, then read the folder.", error.Message);
        }

        // Once its holder is gone the folder is an unfinished export again, which a resume carries on.
        Assert.Contains("Resume it first", Assert.Throws<ExportFolderException>(() => NdjsonSource.FromFolder(dir.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromStoreAsync_UnfinishedExport_RefusedLikeAFolderNamingTheLocation()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n");
        ExportStates.Write(dir.Path, completed: false, ("Patient.000.ndjson", ExportFileStatus.Complete), ("Observation.000.ndjson", ExportFileStatus.Pending));
        using var store = ObjectStore.Create(dir.Path);

        var error = await Assert.ThrowsAsync<ExportFolderException>(() => NdjsonSource.FromStoreAsync(store));

        Assert.StartsWith($"{store.Location} holds an unfinished export (1 of 2 files of its manifest are complete)", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"Resume it first: fhir-bulk export --resume {store.Location}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromStoreAsync_CompletedExport_ReadsItsObjects()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n");
        ExportStates.Write(dir.Path, completed: true, ("Patient.000.ndjson", ExportFileStatus.Complete));
        using var store = ObjectStore.Create(dir.Path);

        Assert.Single((await NdjsonSource.FromStoreAsync(store)).Files);
    }

    [Fact]
    public async Task OpenAsync_StoreWithObjectsButNoNdjson_RefusedNamingEachSubPrefixThatHoldsSome()
    {
        using var dir = new TempFolder();
        dir.Write("manifest.json", "{}");
        dir.Write("a/Patient.000.ndjson", Patient1 + "\n");
        dir.Write("b/Patient.000.ndjson", Patient1 + "\n");
        dir.Write("error/OperationOutcome.000.ndjson", "{}\n");
        using var store = ObjectStore.Create(dir.Path);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => NdjsonSource.OpenAsync(store));

        var location = store.Location.ToString().TrimEnd('/');
        Assert.Equal($"{store.Location} holds no <Type>.*.ndjson objects (its subfolders {location}/a/, {location}/b/ do: give one of them): there are no resources to read.", error.Message);
    }

    [Fact]
    public async Task OpenAsync_StoreWhoseOnlyNdjsonIsUnderError_RefusedWithoutPointingThere()
    {
        using var dir = new TempFolder();
        dir.Write("manifest.json", "{}");
        dir.Write("error/OperationOutcome.000.ndjson", "{}\n");
        using var store = ObjectStore.Create(dir.Path);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => NdjsonSource.OpenAsync(store));

        Assert.Equal($"{store.Location} holds no <Type>.*.ndjson objects: there are no resources to read.", error.Message);
    }

    [Fact]
    public async Task FromStoreAsync_StoreWithObjectsButNoNdjson_ReadsAsEmptyLikeAFolder()
    {
        using var dir = new TempFolder();
        dir.Write("manifest.json", "{}");
        using var store = ObjectStore.Create(dir.Path);

        Assert.Empty((await NdjsonSource.FromStoreAsync(store)).Files);
    }

    [Fact]
    public void FromFolder_UnfinishedExportBeforeItsManifest_RefusedSayingNoFilesWereListedYet()
    {
        using var dir = new TempFolder();
        ExportStates.Write(dir.Path, completed: false);

        var error = Assert.Throws<ExportFolderException>(() => NdjsonSource.Open(dir.Path));

        Assert.Contains("holds an unfinished export (the server had not yet listed its files)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFolder_CompletedExport_ReadsItsFiles()
    {
        using var dir = new TempFolder();
        dir.Write("Patient.000.ndjson", Patient1 + "\n");
        ExportStates.Write(dir.Path, completed: true, ("Patient.000.ndjson", ExportFileStatus.Complete));

        Assert.Single(NdjsonSource.Open(dir.Path).Files);
    }

    [Fact]
    public void Open_FolderWithoutNdjson_InvalidInputNamingTheSubfoldersThatHoldSome()
    {
        using var dir = new TempFolder();
        dir.Write("patient/Patient.000.ndjson", Patient1 + "\n");
        dir.Write("group/Patient.000.ndjson", Patient2 + "\n");
        dir.Write("error/OperationOutcome.000.ndjson", """{"resourceType":"OperationOutcome"}""" + "\n");
        dir.Write("manifest.json", "{}");

        var error = Assert.Throws<InvalidInputException>(() => NdjsonSource.Open(dir.Path));

        Assert.Equal($"{dir.Path} holds no <Type>.*.ndjson files (its subfolders group/, patient/ do: give one of them): there are no resources to read.", error.Message);
    }

    [Fact]
    public void Open_EmptyFolder_InvalidInputWithoutAHint()
    {
        using var dir = new TempFolder();

        var error = Assert.Throws<InvalidInputException>(() => NdjsonSource.Open(dir.Path));

        Assert.Equal($"{dir.Path} holds no <Type>.*.ndjson files: there are no resources to read.", error.Message);
    }

    [Fact]
    public void FromFolder_EmptyFolder_ReadsAsEmptyForAnIncrementWithoutChanges()
    {
        using var dir = new TempFolder();

        Assert.Empty(NdjsonSource.FromFolder(dir.Path).Files);
    }

    [Fact]
    public void Open_Dash_ThrowsForTheCallerOpensStdin()
    {
        var error = Assert.Throws<ArgumentException>(() => NdjsonSource.Open("-"));

        Assert.Contains("FromStream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromStream_CallersStdin_ReadOnceNamedStdinAndLeftOpen()
    {
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes(Patient1 + "\n" + Condition1 + "\n"));

        var source = NdjsonSource.FromStream(stdin);
        var lines = await source.ReadAllAsync();

        Assert.Equal("stdin", Assert.Single(source.Files).Name);
        Assert.Null(source.TotalBytes);
        Assert.False(source.IsRepeatable);
        Assert.Equal(["p1", "c1"], lines.Select(l => l.Id));
        Assert.True(stdin.CanRead);
    }

    [Theory]
    [InlineData("Patient.000.ndjson", "Patient")]
    [InlineData("Patient.ndjson.gz", "Patient")]
    [InlineData("MedicationRequest-2.ndjson", "MedicationRequest")]
    [InlineData("synthea_100.ndjson", null)]
    [InlineData("data.ndjson", null)]
    [InlineData("Synthea-all.ndjson", null)]
    [InlineData("Export_2026.ndjson", null)]
    [InlineData("Bundle.000.ndjson", "Bundle")]
    [InlineData("OperationOutcome.ndjson", "OperationOutcome")]
    public void TypeFromName_FileName_TypeWhenNamedByType(string name, string? expected) =>
        Assert.Equal(expected, ExportFolderLayout.TypeFromName(name));
}
