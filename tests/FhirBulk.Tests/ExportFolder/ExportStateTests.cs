using FhirBulk.Auth;
using FhirBulk.Export;
using FhirBulk.ExportFolder;

namespace FhirBulk.Tests.ExportFolder;

public sealed class ExportStateTests : IDisposable
{
    private static readonly Uri Server = new("https://fhir.example/r4/");

    private readonly string _folder = Directory.CreateTempSubdirectory("fhir-bulk-state-").FullName;

    [Fact]
    public void Start_KeyGivenAsText_RecordsClientKidAndScopeButNeitherKeyFileNorKeyText()
    {
        var pem = KeyGenerator.Generate("ES384").PrivateKeyPem;
        using var key = ClientSigningKey.FromText(pem, "k1");
        var options = new BulkDataClientOptions { Credentials = new BulkDataCredentials("c1", key, "system/*.rs") };

        ExportState.Start(Server, new ExportRequest(), options).Save(_folder);
        var settings = BulkDataClient.ReadExportSettings(_folder);

        Assert.Equal(("c1", "k1", "system/*.rs", (string?)null, true), (settings.ClientId, settings.SigningKeyId, settings.Scope, settings.SigningKeyPath, settings.SigningKeyFromText));
        var written = File.ReadAllText(ExportState.PathIn(_folder));
        Assert.All(
            pem.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)),
            line => Assert.DoesNotContain(line, written, StringComparison.Ordinal));
    }

    [Fact]
    public void Start_KeyFileRequestAndOptions_ReadBackAsRecorded()
    {
        var keyFile = Path.Combine(_folder, "key.pem");
        File.WriteAllText(keyFile, KeyGenerator.Generate("ES384").PrivateKeyPem);
        using var key = ClientSigningKey.Load(keyFile, "k1");
        var request = new ExportRequest { Level = ExportLevel.Group, GroupId = "g1", Types = ["Patient", "Condition"], TypeFilters = ["Condition?code=1"], Since = DateTimeOffset.Parse("2024-01-31T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), UsePost = true };
        var options = new BulkDataClientOptions
        {
            Credentials = new BulkDataCredentials("c1", key),
            CaBundlePath = keyFile,
            CompressOutput = true,
            MaxParallelDownloads = 2,
            TransferCompression = TransferCompression.None,
            MalformedLines = ErrorPolicy.Fail,
            DeleteJobAfterDownload = false,
        };

        ExportState.Start(Server, request, options).Save(_folder);
        var settings = BulkDataClient.ReadExportSettings(_folder);

        Assert.Equal(Server, settings.Server);
        Assert.Equal((ExportLevel.Group, "g1", true), (settings.Request.Level, settings.Request.GroupId, settings.Request.UsePost));
        Assert.Equal(["Patient", "Condition"], settings.Request.Types);
        Assert.Equal(["Condition?code=1"], settings.Request.TypeFilters);
        Assert.Equal(request.Since, settings.Request.Since);
        Assert.Equal((keyFile, "k1", false, keyFile), (settings.SigningKeyPath, settings.SigningKeyId, settings.SigningKeyFromText, settings.CaBundlePath));
        Assert.Equal((true, 2, TransferCompression.None, ErrorPolicy.Fail, false), (settings.CompressOutput, settings.MaxParallelDownloads, settings.TransferCompression, settings.MalformedLines, settings.DeleteJobAfterDownload));
    }

    [Fact]
    public void OutputOptions_ClientAskingOtherwise_StoresAndChecksFilesAsTheExportStarted()
    {
        var state = ExportState.Start(Server, new ExportRequest(), new BulkDataClientOptions { CompressOutput = true, MalformedLines = ErrorPolicy.Fail });
        var resuming = new BulkDataClientOptions { CompressOutput = false, MalformedLines = ErrorPolicy.Skip, MaxParallelDownloads = 7 };

        var used = state.OutputOptions(resuming);

        Assert.Equal((true, ErrorPolicy.Fail, 7), (used.CompressOutput, used.MalformedLines, used.MaxParallelDownloads));
        Assert.Equal((false, ErrorPolicy.Skip), (resuming.CompressOutput, resuming.MalformedLines));
    }

    [Fact]
    public void Load_StateFileWrittenBeforeSettingsWereRecorded_LoadsAndUsesTheClientsOutputOptions()
    {
        File.WriteAllText(ExportState.PathIn(_folder), """
            {"Version": 1, "Server": "https://fhir.example/r4/", "Request": {"Level": "System", "Types": ["Patient"]},
             "StatusUrl": "https://fhir.example/r4/status/1", "StartedAt": "2024-01-31T00:00:00+00:00", "Files": []}
            """);
        var resuming = new BulkDataClientOptions { CompressOutput = true };

        var settings = BulkDataClient.ReadExportSettings(_folder);
        var used = ExportState.LoadExisting(_folder).OutputOptions(resuming);

        Assert.Equal((ExportLevel.System, "Patient"), (settings.Request.Level, settings.Request.Types.Single()));
        Assert.Equal(((string?)null, (string?)null, (bool?)null, (ErrorPolicy?)null, false), (settings.ClientId, settings.SigningKeyPath, settings.CompressOutput, settings.MalformedLines, settings.SigningKeyFromText));
        Assert.True(used.CompressOutput);
    }

    [Theory]
    [InlineData(null, false, false, false)]
    [InlineData("https://fhir.example/r4/jobs/1", false, false, true)]
    [InlineData("https://fhir.example/r4/jobs/1", true, false, false)]
    [InlineData("https://fhir.example/r4/jobs/1", false, true, false)]
    public void ReadExportSettings_ByProgress_KickedOffOnlyForAStartedExportThatIsNotOver(string? statusUrl, bool completed, bool cancelled, bool expected)
    {
        // What the CLI asks before it offers `--resume` after a failure: a finished or cancelled export has nothing to carry on.
        var state = ExportState.Start(Server, new ExportRequest(), new BulkDataClientOptions());
        state.StatusUrl = statusUrl;
        state.Completed = completed;
        state.Cancelled = cancelled;
        state.Save(_folder);

        Assert.Equal(expected, BulkDataClient.ReadExportSettings(_folder).KickedOff);
    }

    [Fact]
    public async Task ResumeExport_FolderThatDoesNotExist_SaysItDoesNotExistAndMakesNoFolder()
    {
        var missing = Path.Combine(_folder, "nosuchdir");
        using var client = new BulkDataClient(Server);

        var settingsError = Assert.Throws<ExportFolderException>(() => BulkDataClient.ReadExportSettings(missing));
        var resumeError = await Assert.ThrowsAsync<ExportFolderException>(() => client.ResumeExportAsync(missing));

        Assert.StartsWith($"{missing} does not exist, so it holds no export to resume", settingsError.Message, StringComparison.Ordinal);
        Assert.Equal(settingsError.Message, resumeError.Message);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void ReadExportSettings_FolderOfOtherNdjsonFiles_NamesThemAndSuggestsAnotherOutNotThisOne()
    {
        // A generated population: NDJSON files and no state. The export command refuses such a folder (foreign files), so
        // the advice must not be to export into it.
        File.WriteAllText(Path.Combine(_folder, "Patient.000.ndjson"), "{}\n");
        File.WriteAllText(Path.Combine(_folder, "Condition.000.ndjson"), "{}\n");

        var error = Assert.Throws<ExportFolderException>(() => BulkDataClient.ReadExportSettings(_folder));

        Assert.Contains("but 2 files no export of fhir-bulk wrote (Condition.000.ndjson, Patient.000.ndjson)", error.Message, StringComparison.Ordinal);
        Assert.Contains("give it another --out (a new folder)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain($"--out {_folder}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadExportSettings_EmptyFolder_SuggestsStartingAnExportThere()
    {
        var error = Assert.Throws<ExportFolderException>(() => BulkDataClient.ReadExportSettings(_folder));

        Assert.Equal($"{_folder} holds no export (.fhir-bulk-state.json is missing): start it with the export command, giving --out {_folder}.", error.Message);
    }

    [Fact]
    public void EnsureCompleted_CancelledExport_RefusedSayingToStartANewOneNotToResume()
    {
        var state = ExportStates.Write(_folder, completed: false, ("Patient.000.ndjson", ExportFileStatus.Complete), ("Patient.001.ndjson", ExportFileStatus.Pending));
        state.Cancelled = true;

        var error = Assert.Throws<ExportFolderException>(() => state.EnsureCompleted(_folder));

        Assert.Equal($"{_folder} holds an export cancelled before it completed (1 of 2 files of its manifest are complete): its tables would lack the rest; start a new export.", error.Message);
    }

    [Fact]
    public void EnsureCompleted_CompletedExport_Passes()
    {
        ExportStates.Write(_folder, completed: true, ("Patient.000.ndjson", ExportFileStatus.Complete)).EnsureCompleted(_folder);
    }

    [Fact]
    public void ReadExportSettings_FolderWithoutState_ExportFolderExceptionNamingTheFolder()
    {
        var error = Assert.Throws<ExportFolderException>(() => BulkDataClient.ReadExportSettings(_folder));

        Assert.Equal(_folder, error.Folder);
        Assert.Contains(_folder, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_FileStateWithEveryPropertySet_LoadsBackEqual()
    {
        // Every property of ExportFileState has an internal setter (read-only to callers): the state file must still write and read each.
        var file = new ExportFileState
        {
            Kind = ExportFileKind.Error, Type = "OperationOutcome", Url = "https://x.org/e/1", FileName = "error/OperationOutcome.001.ndjson.gz",
            DeclaredCount = 3, Status = ExportFileStatus.Failed, Resources = 2, InvalidLines = 1, InvalidLineSamples = [new InvalidLine(2, "not JSON")],
            Bytes = 100, Sha256 = new string('a', 64), StoredBytes = 60, StoredSha256 = new string('b', 64), StoredETag = "\"s\"", UploadId = "u1",
            Issues = new Dictionary<string, long> { ["error"] = 2 }, ETag = "\"e\"", Error = "why",
        };
        var state = ExportState.Start(Server, new ExportRequest(), new BulkDataClientOptions());
        state.Files = [file];

        state.Save(_folder);
        var loaded = Assert.Single(ExportState.LoadExisting(_folder).Files);

        Assert.Equivalent(file, loaded, strict: true);
        Assert.Equal(file.InvalidLineSamples, loaded.InvalidLineSamples);
        Assert.Equal(file.Issues, loaded.Issues);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
