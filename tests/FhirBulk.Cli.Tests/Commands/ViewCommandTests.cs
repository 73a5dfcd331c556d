using System.Text.Json;
using System.Text.Json.Nodes;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class ViewCommandTests : IDisposable
{
    private static readonly string PatientsView = Path.Combine(RepositoryPaths.Workshop, "views", "patients.json");

    private readonly TempFolder temp = new();

    [Fact]
    public async Task View_WorkshopViewsToDuckDb_SummaryTableOfRowsPerView()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", temp.File("v.duckdb"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ patients +│ +3 │", result.Output);
        Assert.Matches(@"│ medication_requests +│ +4 │", result.Output);
        Assert.True(File.Exists(temp.File("v.duckdb")));
    }

    [Fact]
    public async Task View_OutEndingInParquetWithoutFormat_WritesParquet()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("o.parquet"));

        Assert.True(result.ExitCode == 0, result.ToString());
        // A Parquet file starts (and ends) with the magic bytes PAR1; a DuckDB database does not.
        var bytes = await File.ReadAllBytesAsync(temp.File("o.parquet"));
        Assert.Equal("PAR1"u8.ToArray(), bytes[..4]);
    }

    [Fact]
    public async Task View_FormatParquetWithOutEndingInCsv_Exit2NamingBothAndCreatingNothing()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--format", "parquet", "--out", temp.File("new.csv"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"error: --format parquet and --out {temp.File("new.csv")} disagree: the extension names csv.", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("new.csv")));
    }

    [Theory]
    [InlineData("s3://AKIAXX:mysecretinurl@fhir/exports/run1", "mysecretinurl")]
    [InlineData("https://acct.blob.core.windows.net/c/p?sv=2020&sig=TOPSECRETSIG", "TOPSECRETSIG")]
    public async Task View_InputUrlCarryingASecret_Exit3WithoutRepeatingIt(string location, string secret)
    {
        var result = await new CliRunner().RunAsync("view", "--input", location, "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("o.duckdb"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.StartsWith("error: --input: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, result.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("o.duckdb")));
    }

    [Theory]
    [InlineData("gs://b/x", "unknown storage scheme 'gs://'")]
    [InlineData("s3://Bucket_Upper/x", "'Bucket_Upper'")]
    public async Task View_InputMalformedLocation_Exit3SayingWhatIsWrongNotFileNotFound(string location, string says)
    {
        var result = await new CliRunner().RunAsync("view", "--input", location, "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("o.duckdb"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains(says, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("file not found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_OutToObjectStorageAsDocsQuoteIt_PrintsTheDocumentedLineAndExit2()
    {
        // docs/cli.md quoted s3://b/t here, whose bucket name S3 does not allow: the user got another error, exit 3.
        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", PatientsView, "--format", "csv", "--out", "s3://my-bucket/tables");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("error: --out s3://my-bucket/tables: only the Parquet lake is written to object storage (--format parquet --out s3://my-bucket/tables/); a DuckDB file, CSV or NDJSON files and a single .parquet file are written to a local path.", result.Error.Split('\n')[0].TrimEnd('\r'));
    }

    [Fact]
    public async Task View_OutToABucketNameS3DoesNotAllow_Exit3NamingTheBucketRule()
    {
        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", PatientsView, "--out", "s3://b/t");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal("error: --out: 'b' in 's3://b/t' is not an S3 bucket name (3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit)", result.Error.Split('\n')[0].TrimEnd('\r'));
    }

    [Theory]
    [InlineData("s3://fhir/tables/views.duckdb", "duckdb")]
    [InlineData("s3://fhir/tables", "csv")]
    [InlineData("az://fhir/tables/patients.parquet", "parquet")]
    public async Task View_OutToObjectStorageOtherThanTheLake_Exit2NamingTheLakeForm(string location, string format)
    {
        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--format", format, "--out", location);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"error: --out {location}: only the Parquet lake is written to object storage (--format parquet --out ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_OutS3UrlNamingADuckDbFile_HintNamesALakeFolderBesideItNotOneNamedAfterTheFile()
    {
        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", "s3://fhir/tables/x.duckdb");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("(--format parquet --out s3://fhir/tables/lake/)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_S3EndpointCarryingCredentials_Exit2WithoutRepeatingThem()
    {
        var result = await new CliRunner().RunAsync("view", "--input", "s3://fhir/export", "--s3-endpoint", "http://AKIAXX:endpointsecret@127.0.0.1:1", "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("o.duckdb"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--s3-endpoint must not carry credentials", result.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("endpointsecret", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_OutUrlCarryingASecret_Exit3WithoutRepeatingIt()
    {
        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--format", "parquet", "--out", "s3://AKIAXX:mysecretinurl@fhir/lake");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.StartsWith("error: --out: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("mysecretinurl", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_OutOneCsvFile_SchemaBesideItUnderTheFilesName()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("people.csv"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var schema = await File.ReadAllTextAsync(temp.File("people.schema.json"));
        Assert.Contains("\"name\": \"date_of_birth\"", schema, StringComparison.Ordinal);
        Assert.Contains("\"type\": \"DATE\"", schema, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_OutWithAnExtensionNamingNoFormat_Exit2ListingTheFormatsAndCreatingNothing()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("o.cvs"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"error: --out {temp.File("o.cvs")}: '.cvs' names no table format (.duckdb, .db, .ddb, .parquet, .csv, .ndjson); give --format", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("o.cvs")) || Directory.Exists(temp.File("o.cvs")));
    }

    [Fact]
    public async Task View_OutWithAnUnknownExtensionAndAFormat_WritesThatFormatThere()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--format", "csv", "--out", temp.File("run.2026"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(temp.File("run.2026"), "patients.csv")));
    }

    [Fact]
    public async Task View_OutInsideAFile_Exit3NamingOutAndWhatToDo()
    {
        var blocker = temp.File("plain-file");
        await File.WriteAllTextAsync(blocker, "x");

        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", Path.Combine(blocker, "x.duckdb"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"error: cannot create the folder {blocker} (--out): {blocker} exists and is a file, not a folder; give --out a folder you can write to.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("already exists", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_Explain_OneLinePerViewNamingItsEngineAndFallenBackExpressions()
    {
        var views = Directory.CreateDirectory(temp.File("views")).FullName;
        File.Copy(Path.Combine(RepositoryPaths.Workshop, "views", "smoking_status.json"), Path.Combine(views, "smoking_status.json"));
        File.WriteAllText(Path.Combine(views, "x.json"), """{"name":"x","resource":"Patient","select":[{"column":[{"name":"n","path":"descendants().count()"}]}]}""");

        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", views, "--explain");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("""smoking_status: json engine; only resources holding "http://loinc.org" and "72166-2" are evaluated""", result.Output, StringComparison.Ordinal);
        Assert.Contains("""
            x: json engine; Firely evaluates 1 expression:
              select[0].column[0].path (function 'descendants' with 0 argument(s) is not on the JSON path):
                descendants().count()
            """.ReplaceLineEndings(), result.Output.ReplaceLineEndings(), StringComparison.Ordinal);
        Assert.False(File.Exists("views.duckdb"));
    }

    [Fact]
    public async Task View_ExplainJson_OneDocumentNamingEachViewsEngineAndFallenBackExpressions()
    {
        var views = Directory.CreateDirectory(temp.File("views")).FullName;
        File.Copy(Path.Combine(RepositoryPaths.Workshop, "views", "smoking_status.json"), Path.Combine(views, "smoking_status.json"));
        File.WriteAllText(Path.Combine(views, "x.json"), """{"name":"x","resource":"Patient","select":[{"column":[{"name":"n","path":"descendants().count()"}]}]}""");

        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", views, "--explain", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var explained = System.Text.Json.JsonDocument.Parse(result.Output).RootElement.GetProperty("views").EnumerateArray()
            .ToDictionary(
                v => v.GetProperty("name").GetString()!,
                v => (v.GetProperty("engine").GetString(), string.Join("; ", v.GetProperty("fallbacks").EnumerateArray().Select(f => $"{f.GetProperty("element").GetString()} {f.GetProperty("expression").GetString()}: {f.GetProperty("reason").GetString()}"))));
        Assert.Equal(("json", ""), explained["smoking_status"]);
        Assert.Equal("\"http://loinc.org\" and \"72166-2\"", System.Text.Json.JsonDocument.Parse(result.Output).RootElement.GetProperty("views")[0].GetProperty("requiredText").GetString());
        Assert.Equal(("json", "select[0].column[0].path descendants().count(): function 'descendants' with 0 argument(s) is not on the JSON path"), explained["x"]);
    }

    [Fact]
    public async Task View_ExplainWithoutInput_DescribesTheViewsWithoutAskingForInput()
    {
        var view = Path.Combine(RepositoryPaths.Workshop, "views", "smoking_status.json");

        var result = await new CliRunner().RunAsync("view", "--view", view, "--explain");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("smoking_status: json engine", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("--input", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_Explain_ExpressionWithQuotesOnALineOfItsOwn()
    {
        // An expression holding both kinds of quote could not be set off by either; alone on its line, it is read as written.
        var views = Directory.CreateDirectory(temp.File("views")).FullName;
        const string expression = """descendants().where($this = 'a "b"').count()""";
        File.WriteAllText(Path.Combine(views, "x.json"), $$"""{"name":"x","resource":"Patient","select":[{"column":[{"name":"n","path":{{JsonValue.Create(expression).ToJsonString()}}}]}]}""");

        var result = await new CliRunner().RunAsync("view", "--view", views, "--explain");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains("    " + expression, lines);
    }

    [Fact]
    public async Task View_ExplainJson_WritesApostrophesInExpressionsAsThemselves()
    {
        var views = Directory.CreateDirectory(temp.File("views")).FullName;
        File.WriteAllText(Path.Combine(views, "x.json"), """{"name":"x","resource":"Patient","select":[{"column":[{"name":"n","path":"descendants().where($this = 'a').count()"}]}]}""");

        var result = await new CliRunner().RunAsync("view", "--view", views, "--explain", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("$this = 'a'", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_EngineFirely_SameRowsAsTheDefault()
    {
        var input = SmallExport.Write(temp);
        var view = Path.Combine(RepositoryPaths.Workshop, "views", "encounters.json");

        var json = await new CliRunner().RunAsync("view", "--input", input, "--view", view, "--format", "csv", "--out", temp.File("json.csv"));
        var firely = await new CliRunner().RunAsync("view", "--input", input, "--view", view, "--format", "csv", "--out", temp.File("firely.csv"), "--engine", "firely");

        Assert.True(json.ExitCode == 0 && firely.ExitCode == 0, json + firely.ToString());
        Assert.Equal(File.ReadAllText(temp.File("json.csv")), File.ReadAllText(temp.File("firely.csv")));
    }

    [Fact]
    public async Task View_InputWithoutAViewsType_WarnsThatItsTableIsEmpty()
    {
        var input = SmallExport.Write(temp);
        File.Delete(Path.Combine(input, "Immunization.000.ndjson"));

        var result = await new CliRunner().RunAsync(
            "view", "--input", input, "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", temp.File("v.duckdb"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"warning: no Immunization resources in {input}: table immunizations is empty", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no Patient resources", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_CsvOutNamingAFile_OneViewWritesThatFile()
    {
        var target = temp.File("out.csv");

        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "encounters.json"),
            "--format", "csv", "--out", target);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(target), result.ToString());
        Assert.Equal("id,patient,class,type_code,type_display,start,end", File.ReadLines(target).First());
        Assert.Contains($"Written to {target}", result.Output, StringComparison.Ordinal);
        Assert.Equal([target], Directory.GetFileSystemEntries(Path.GetDirectoryName(target)!, "out.csv*"));
    }

    [Fact]
    public async Task View_CsvOutNamingAFile_SeveralViews_UsageErrorAndNothingWritten()
    {
        var target = temp.File("out.csv");

        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--format", "csv", "--out", target);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"--out {target} names one file, but 6 views make 6 tables", result.Error, StringComparison.Ordinal);
        Assert.False(Path.Exists(target));
    }

    [Fact]
    public async Task View_Csv_OneFilePerViewWithHeader()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "encounters.json"),
            "--format", "csv", "--out", temp.File("csv"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = await File.ReadAllLinesAsync(temp.File("csv/encounters.csv"));
        Assert.Equal("id,patient,class,type_code,type_display,start,end", lines[0]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public async Task View_OutDash_OneCsvTableStreamedToStdout()
    {
        var runner = new CliRunner();

        var result = await runner.RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"),
            "--format", "csv", "--out", "-");

        Assert.True(result.ExitCode == 0, result.ToString());
        var csv = System.Text.Encoding.UTF8.GetString(runner.StandardOutput.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,identifier,gender,date_of_birth,marital_status,deceased", csv[0].TrimEnd('\r'));
        Assert.Equal(4, csv.Length);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task View_OutDashWithSeveralViews_UsageErrorNamingOutDashBeforeAnyTable()
    {
        var runner = new CliRunner().AsPipe();

        var result = await runner.RunAsync(
            "view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--format", "csv", "--out", "-");

        Assert.True(result.ExitCode == 2, result.ToString());
        var views = Directory.GetFiles(Path.Combine(RepositoryPaths.Workshop, "views"), "*.json").Length;
        Assert.Equal(
            [$"error: --out - (stdout) takes one table, but {views} views make {views} tables: give a folder, or one view.", "Run 'fhir-bulk view --help' for the options."],
            result.Error.TrimEnd().ReplaceLineEndings("\n").Split('\n'));
        Assert.Equal(0, runner.StandardOutput.Length);
    }

    [Fact]
    public async Task View_InputDash_ReadsTheContextsStdin()
    {
        var patients = File.ReadAllBytes(Path.Combine(SmallExport.Write(temp), "Patient.000.ndjson"));
        var runner = new CliRunner().WithStandardInput(patients);

        var result = await runner.RunAsync(
            "view", "--input", "-", "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"),
            "--format", "ndjson", "--out", "-");

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = System.Text.Encoding.UTF8.GetString(runner.StandardOutput.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length);
        Assert.StartsWith("{\"id\":\"p1\"", rows[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_CancelledMidInput_SaysTheOutputIsAsItWasAndLeavesItSo()
    {
        var patients = File.ReadAllBytes(Path.Combine(SmallExport.Write(temp), "Patient.000.ndjson"));
        var view = Path.Combine(RepositoryPaths.Workshop, "views", "patients.json");
        var output = temp.File("tables");
        var first = await new CliRunner().WithStandardInput(patients).RunAsync("view", "--input", "-", "--view", view, "--format", "csv", "--out", output);
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = Directory.GetFiles(output).Order().Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToList();

        var result = await CancelWhileStalled(patients[..(patients.Length / 2)], "view", "--input", "-", "--view", view, "--format", "csv", "--out", output);

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Equal($"error: cancelled; {output} is as it was before this run.", result.Error.Trim());
        Assert.Equal(before, Directory.GetFiles(output).Order().Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToList());
    }

    [Fact]
    public async Task View_CancelledMidInputIntoStdout_SaysTheRowsAreNotAll()
    {
        var patients = File.ReadAllBytes(Path.Combine(SmallExport.Write(temp), "Patient.000.ndjson"));

        var result = await CancelWhileStalled(
            patients, "view", "--input", "-", "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--format", "csv", "--out", "-");

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Equal("error: cancelled; the rows written to stdout so far are not all of them.", result.Error.Trim());
    }

    // Runs the command with stdin giving input and then stalling, and cancels it (as Ctrl-C does) once it waits for more.
    private static async Task<CliResult> CancelWhileStalled(byte[] input, params string[] args)
    {
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stop = new CancellationTokenSource();
        var stdin = new StallingStream(input, giveUp.Token);
        var running = new CliRunner().WithStandardInput(stdin).RunAsync(stop.Token, args);
        await stdin.Stalled.WaitAsync(giveUp.Token);
        stop.Cancel();
        return await running;
    }

    [Fact]
    public async Task View_BadViewInFolder_ErrorNamesTheFileOnce()
    {
        var views = Path.Combine(temp.Path, "views");
        Directory.CreateDirectory(views);
        File.Copy(Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), Path.Combine(views, "a.json"));
        var bad = temp.Write("views/b.json", """
            {"resourceType":"ViewDefinition","name":"bad","status":"active","resource":"Patient",
             "select":[{"column":[{"name":"not a valid name","path":"id"}]}]}
            """);

        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", views, "--out", temp.File("v.duckdb"));

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"error: {bad}: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid ViewDefinition", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("view", "--schema")]
    [InlineData("view", "--explain")]
    [InlineData("view", "--out")]
    public async Task View_TwoViewsOfOneNameInAFolder_InvalidInputNamingBothFiles(string command, string mode)
    {
        var views = Path.Combine(temp.Path, "views");
        Directory.CreateDirectory(views);
        var patients = Path.Combine(RepositoryPaths.Workshop, "views", "patients.json");
        File.Copy(patients, Path.Combine(views, "a.json"));
        File.WriteAllText(Path.Combine(views, "b.json"), File.ReadAllText(patients).Replace("\"patients\"", "\"Patients\"", StringComparison.Ordinal));
        string[] args = mode == "--out"
            ? [command, "--input", SmallExport.Write(temp), "--view", views, "--out", temp.File("v.duckdb")]
            : [command, "--view", views, mode];

        var result = await new CliRunner().RunAsync(args);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"b.json: name: 'Patients' is also the name of {Path.Combine(views, "a.json")}", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("v.duckdb")));
    }

    [Fact]
    public async Task View_OutTheSameFileAsInput_Exit2LeavingTheInputAsItWas()
    {
        var input = temp.File("pin.ndjson");
        File.Copy(Path.Combine(SmallExport.Write(temp), "Patient.000.ndjson"), input);
        var before = await File.ReadAllBytesAsync(input);

        var result = await new CliRunner().RunAsync("view", "--input", input, "--view", PatientsView, "--out", input);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"error: --out {input} is the --input file {input}: the table would replace the FHIR data it is read from. Give --out a path outside the input.", result.Error.Split('\n')[0].TrimEnd('\r'));
        Assert.Equal(before, await File.ReadAllBytesAsync(input));
    }

    [Fact]
    public async Task View_OutTheSameFileAsAnInputThatIsNotThere_SaysTheInputIsMissing()
    {
        var input = temp.File("absent.ndjson");

        var result = await new CliRunner().RunAsync("view", "--input", input, "--view", PatientsView, "--out", input);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.DoesNotContain("is the --input file", result.Error, StringComparison.Ordinal);
        Assert.Contains("absent.ndjson", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(input));
    }

    [Fact]
    public async Task View_OutTheInputFileSpeltAnotherWayOrThroughALink_Exit2LeavingTheInputAsItWas()
    {
        var input = temp.File("pin.ndjson");
        File.Copy(Path.Combine(SmallExport.Write(temp), "Patient.000.ndjson"), input);
        var before = await File.ReadAllBytesAsync(input);
        var linkedFolder = temp.File("linked");
        Directory.CreateSymbolicLink(linkedFolder, temp.Path);
        var link = temp.File("pin-link.ndjson");
        File.CreateSymbolicLink(link, input);

        foreach (var output in new[] { Path.Combine(temp.Path, "export", "..", "pin.ndjson"), Path.Combine(linkedFolder, "pin.ndjson"), link })
        {
            var result = await new CliRunner().RunAsync("view", "--input", input, "--view", PatientsView, "--out", output);

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.StartsWith($"error: --out {output} is the --input file {input}", result.Error, StringComparison.Ordinal);
            Assert.Contains(": the table would replace the FHIR data it is read from.", result.Error, StringComparison.Ordinal);
        }

        Assert.Equal(before, await File.ReadAllBytesAsync(input));
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("ndjson")]
    [InlineData("parquet")]
    public async Task View_OutFolderHoldingTheInputFile_Exit2WritingNothingThere(string format)
    {
        // patients.ndjson is both the input and the name the ndjson table of the view 'patients' is written under.
        var folder = temp.File("data");
        Directory.CreateDirectory(folder);
        var input = Path.Combine(folder, "patients.ndjson");
        File.Copy(Path.Combine(SmallExport.Write(temp), "Patient.000.ndjson"), input);
        var before = await File.ReadAllBytesAsync(input);

        var result = await new CliRunner().RunAsync("view", "--input", input, "--view", PatientsView, "--format", format, "--out", folder);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"error: --input {input} is inside the --out folder {folder}: its tables would be written among the FHIR data", result.Error, StringComparison.Ordinal);
        Assert.Equal(["patients.ndjson"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        Assert.Equal(before, await File.ReadAllBytesAsync(input));
    }

    [Theory]
    [InlineData("csv", "")]
    [InlineData("parquet", "")]
    [InlineData("duckdb", "views.duckdb")]
    [InlineData("csv", "tables")]
    public async Task View_OutInsideOrEqualToTheInputFolder_Exit2WritingNothingThere(string format, string name)
    {
        var export = SmallExport.Write(temp);
        var entries = Directory.GetFileSystemEntries(export).Order().ToList();
        var output = name.Length == 0 ? export : Path.Combine(export, name);

        var result = await new CliRunner().RunAsync("view", "--input", export, "--view", PatientsView, "--format", format, "--out", output);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith(name.Length == 0 ? $"error: --out {output} is the --input folder {export}: " : $"error: --out {output} is inside the --input folder {export}: ", result.Error, StringComparison.Ordinal);
        Assert.Equal(entries, Directory.GetFileSystemEntries(export).Order());
    }

    [Fact]
    public async Task View_MisspeltTopLevelWhere_Exit3NamingItAndWhatWasMeantWritingNothing()
    {
        var view = temp.Write("p.json", """
            {"resourceType":"ViewDefinition","name":"p","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],"were":[{"path":"gender = 'male'"}]}
            """);

        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", view, "--out", temp.File("v.duckdb"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: {view}: were: 'were' is not a property of this element (did you mean 'where'?)", result.Error.Trim());
        Assert.False(File.Exists(temp.File("v.duckdb")));
    }

    [Fact]
    public async Task View_PathNamingNoElement_WarnsNamingViewPathAndTypeThenStrictRefusesIt()
    {
        var view = temp.Write("typo.json", """
            {"resourceType":"ViewDefinition","name":"typo","status":"active","resource":"Patient",
             "select":[{"column":[{"name":"id","path":"id"},{"name":"gender","path":"gendr"}]}]}
            """);
        var export = SmallExport.Write(temp);

        var run = await new CliRunner().AsPipe().RunAsync("view", "--input", export, "--view", view, "--format", "csv", "--out", temp.File("out"));
        var explain = await new CliRunner().AsPipe().RunAsync("view", "--view", view, "--explain", "--json");
        var json = await new CliRunner().AsPipe().RunAsync("view", "--input", export, "--view", view, "--format", "csv", "--out", temp.File("json"), "--json");
        var strict = await new CliRunner().AsPipe().RunAsync("view", "--input", export, "--view", view, "--format", "csv", "--out", temp.File("strict"), "--strict");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("warning: typo: select[0].column[1].path: 'gendr' is not an element of Patient in FHIR R4 (did you mean 'gender'?), so it is empty on every resource", run.Error, StringComparison.Ordinal);
        Assert.True(explain.ExitCode == 0, explain.ToString());
        Assert.Contains("\"message\": \"'gendr' is not an element of Patient", explain.Output, StringComparison.Ordinal);
        var warning = System.Text.Json.JsonDocument.Parse(json.Output).RootElement.GetProperty("warnings").EnumerateArray().Single();
        Assert.Equal(("typo", "select[0].column[1].path"), (warning.GetProperty("view").GetString(), warning.GetProperty("element").GetString()));
        Assert.True(strict.ExitCode == 3, strict.ToString());
        Assert.StartsWith($"error: {view}: select[0].column[1].path: 'gendr' is not an element of Patient", strict.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.File("strict"), "typo.csv")));
    }

    [Fact]
    public async Task View_JsonWithATypeTheInputLacks_ListsTheEmptyTableWarningInWarnings()
    {
        var view = temp.Write("allergies.json", """
            {"resourceType":"ViewDefinition","name":"allergies","status":"active","resource":"AllergyIntolerance",
             "select":[{"column":[{"name":"id","path":"id"}]}]}
            """);
        var export = SmallExport.Write(temp);

        var json = await new CliRunner().AsPipe().RunAsync("view", "--input", export, "--view", view, "--format", "csv", "--out", temp.File("out"), "--json");

        Assert.True(json.ExitCode == 0, json.ToString());
        var warning = System.Text.Json.JsonDocument.Parse(json.Output).RootElement.GetProperty("warnings").EnumerateArray().Single();
        Assert.Equal("allergies", warning.GetProperty("view").GetString());
        Assert.Equal($"no AllergyIntolerance resources in {export}: table allergies is empty", warning.GetProperty("message").GetString());
        Assert.Contains($"warning: no AllergyIntolerance resources in {export}: table allergies is empty", json.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("firely")]
    public async Task View_TypeNameOfAnotherCase_WarnsNamingTheTypeMeantThenStrictRefusesIt(string engine)
    {
        var view = temp.Write("case.json", """
            {"resourceType":"ViewDefinition","name":"case","status":"active","resource":"Patient",
             "select":[{"column":[{"name":"id","path":"id"},{"name":"died","path":"deceased.ofType(datetime)"}]}]}
            """);
        var export = SmallExport.Write(temp);

        var run = await new CliRunner().AsPipe().RunAsync("view", "--input", export, "--view", view, "--engine", engine, "--format", "csv", "--out", temp.File("out"));
        var strict = await new CliRunner().AsPipe().RunAsync("view", "--input", export, "--view", view, "--engine", engine, "--format", "csv", "--out", temp.File("strict"), "--strict");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("warning: case: select[0].column[1].path: 'datetime' is not a FHIR R4 or System type (did you mean 'dateTime' or 'DateTime'? type names are case-sensitive)", run.Error, StringComparison.Ordinal);
        Assert.True(strict.ExitCode == 3, strict.ToString());
        Assert.StartsWith($"error: {view}: select[0].column[1].path: 'datetime' is not a FHIR R4 or System type", strict.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_InputThatDoesNotExist_Exit3SayingWhatAnInputMayBe()
    {
        var missing = temp.File("nothere");

        var result = await new CliRunner().RunAsync("view", "--input", missing, "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", temp.File("v.duckdb"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: '{missing}' does not exist: give an export folder or an NDJSON file (.ndjson or .ndjson.gz).", result.Error.Trim());
    }

    [Fact]
    public async Task View_DuckDbIntoAnExistingFolder_Exit3SayingWhichFormatsWriteFolders()
    {
        var folder = temp.File("csvout");
        Directory.CreateDirectory(folder);

        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", folder);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(
            $"error: --out {folder} is a folder, but duckdb (the default --format) writes one database file: give --format csv, ndjson or parquet to write into the folder, or --out a .duckdb file.",
            result.Error.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public async Task View_MissingViewPath_SaysSo()
    {
        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", temp.File("nope"), "--out", temp.File("v.duckdb"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"view file or folder not found: {temp.File("nope")}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_Json_ReportsTablesAndSkippedLines()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp, withMalformedLine: true), "--view", Path.Combine(RepositoryPaths.Workshop, "views"),
            "--out", temp.File("v.duckdb"), "--json");

        Assert.Equal(6, result.ExitCode);
        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(4, json.GetProperty("tables").GetProperty("medication_requests").GetInt64());
        Assert.Equal(1, json.GetProperty("malformedLines").GetInt64());
    }

    [Fact]
    public async Task View_MalformedLine_OneWarningLineWithTheExampleInline()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp, withMalformedLine: true), "--view", Path.Combine(RepositoryPaths.Workshop, "views"),
            "--out", temp.File("v.duckdb"));

        Assert.Equal(6, result.ExitCode);
        var warning = Assert.Single(result.Error.Split('\n'), l => l.Contains("malformed line", StringComparison.Ordinal));
        Assert.Matches(@"^warning: skipped 1 malformed line: \S*MedicationRequest\.000\.ndjson:\d+: ", warning);
        Assert.DoesNotContain(result.Error.Split('\n'), l => l.StartsWith("  ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task View_StrictWithMalformedLine_StopsNamingTheLine()
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp, withMalformedLine: true), "--view", Path.Combine(RepositoryPaths.Workshop, "views"),
            "--out", temp.File("v.duckdb"), "--strict");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("MedicationRequest.000.ndjson", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("csv", "new/out")]
    [InlineData("parquet", "new/out")]
    [InlineData("duckdb", "new/deeper/v.duckdb")]
    public async Task View_StrictRunThatFailsIntoANewFolder_LeavesNoFolderBehind(string format, string output)
    {
        var result = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp, withMalformedLine: true), "--view", Path.Combine(RepositoryPaths.Workshop, "views"),
            "--format", format, "--out", temp.File(output), "--strict");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.False(Directory.Exists(temp.File("new")), $"{temp.File("new")} was left behind");
    }

    [Theory]
    [InlineData(false, 6)]
    [InlineData(true, 3)]
    public async Task View_GzipInputCutAtFlushPoint_RowsBeforeTheCutOrStopNamingTheFileAndTheCut(bool strict, int exitCode)
    {
        var input = WriteCutPatients();

        var result = await new CliRunner().RunAsync([
            "view", "--input", input, "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("v.duckdb"), "--json",
            .. strict ? ["--strict"] : Array.Empty<string>()]);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Contains($"{input}:3: truncated gzip: the data ends after ", result.Error, StringComparison.Ordinal);
        if (!strict)
        {
            Assert.Equal(2, JsonDocument.Parse(result.Output).RootElement.GetProperty("tables").GetProperty("patients").GetInt64());
        }
    }

    [Fact]
    public async Task View_StrictRunFailsIntoExistingDuckDb_DatabaseByteIdenticalAndNoTempFiles()
    {
        var views = Path.Combine(RepositoryPaths.Workshop, "views");
        var database = temp.File("out/v.duckdb");
        var first = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", views, "--out", database);
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = await File.ReadAllBytesAsync(database);

        var failed = await new CliRunner().RunAsync(
            "view", "--input", SmallExport.Write(temp, withMalformedLine: true), "--view", views, "--out", database, "--strict");

        Assert.Equal(3, failed.ExitCode);
        Assert.Equal(["v.duckdb"], Directory.EnumerateFileSystemEntries(temp.File("out")).Select(Path.GetFileName));
        Assert.Equal(before, await File.ReadAllBytesAsync(database));
    }

    [Fact]
    public async Task View_InvalidView_RejectedBeforeReadingNamingFileAndElement()
    {
        var view = temp.Write("bad.json", """
            {"resourceType":"ViewDefinition","name":"bad","status":"active","resource":"Patient",
             "select":[{"column":[{"name":"not a valid name","path":"id"}]}]}
            """);

        var result = await new CliRunner().RunAsync("view", "--input", temp.File("does-not-matter"), "--view", view);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("bad.json", result.Error, StringComparison.Ordinal);
        Assert.Contains("column[0]", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_Schema_TablePerViewWithSqlTypesWithoutInput()
    {
        var result = await new CliRunner().RunAsync("view", "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--schema");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("patients (Patient)", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"│ date_of_birth +│ DATE +│ date +│", result.Output);
        Assert.Matches(@"│ deceased +│ TIMESTAMP WITH TIME ZONE +│ dateTime +│", result.Output);
        Assert.Matches(@"│ gender +│ CHARACTER VARYING +│ code +│", result.Output);
        Assert.False(File.Exists("views.duckdb"));
    }

    [Fact]
    public async Task View_SchemaJson_OneDocumentWithTheLakeSchemaOfEachView()
    {
        var result = await new CliRunner().RunAsync("view", "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--schema", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var views = JsonDocument.Parse(result.Output).RootElement.GetProperty("views");
        Assert.Equal(6, views.GetArrayLength());
        var patients = views.EnumerateArray().Single(v => v.GetProperty("name").GetString() == "patients");
        Assert.Equal("Patient", patients.GetProperty("resource").GetString());
        var born = patients.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "date_of_birth");
        Assert.Equal("""{"name":"date_of_birth","type":"DATE","fhirType":"date","collection":false,"nullable":true}""", JsonObject.Create(born)!.ToJsonString());
    }

    [Fact]
    public async Task View_SchemaWithJsonOption_SameAsSchemaJson()
    {
        var viewFile = Path.Combine(RepositoryPaths.Workshop, "views", "patients.json");

        var json = await new CliRunner().RunAsync("view", "--view", viewFile, "--schema", "--json");
        var schemaJson = await new CliRunner().RunAsync("view", "--view", viewFile, "--schema", "json");

        Assert.Equal(schemaJson.Output, json.Output);
    }

    [Theory]
    [InlineData("duckdb", "CREATE TABLE \"patients\" (", "\"date_of_birth\" DATE,")]
    [InlineData("spark", "CREATE TABLE `patients` (", "`deceased` TIMESTAMP\n) USING parquet;")]
    public async Task View_SchemaDdl_CreateTableStatementOfThatDialect(string dialect, string first, string expected)
    {
        var result = await new CliRunner().RunAsync("view", "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--schema", dialect);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith(first, result.Output, StringComparison.Ordinal);
        Assert.Contains(expected, result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_WithoutInputOrSchema_UsageErrorNamingInput()
    {
        var result = await new CliRunner().RunAsync("view", "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Option '--input' is required.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_ValuesNotFittingTheirType_NullOneWarningPerColumnAndExit6()
    {
        var input = temp.Write("Patient.000.ndjson", """
            {"resourceType":"Patient","id":"p1","birthDate":"2012-03-04"}
            {"resourceType":"Patient","id":"p2","birthDate":"2012-03"}
            {"resourceType":"Patient","id":"p3","birthDate":"2012"}
            """);

        var result = await new CliRunner().RunAsync(
            "view", "--input", input, "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("v.duckdb"));

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Matches(@"│ patients +│ +3 │", result.Output);
        var warning = Assert.Single(result.Error.Split('\n'), l => l.Contains("date_of_birth", StringComparison.Ordinal));
        Assert.StartsWith(
            $"warning: view 'patients', column 'date_of_birth' (DATE): wrote null for 2 values, the first: {input}:2: Patient/p2: '2012-03': a partial date; DATE needs year, month and day; --verbose lists them",
            warning,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_StrictWithValueNotFittingItsType_Exit3NamingViewColumnValueAndResource()
    {
        var input = temp.Write("Patient.000.ndjson", """{"resourceType":"Patient","id":"p2","birthDate":"2012-03"}""");

        var result = await new CliRunner().RunAsync(
            "view", "--input", input, "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("v.duckdb"), "--strict");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"{input}:1: view 'patients' failed on p2: column 'date_of_birth' (DATE): '2012-03': a partial date", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_UnfinishedExport_Exit3WithTheResumeCommandAndNoTableWritten()
    {
        var folder = SmallExport.Write(temp);
        WriteExportState(folder, completed: false);
        File.WriteAllText(Path.Combine(folder, "Observation.000.ndjson.part"), """{"resourceType":"Obs""");

        var result = await new CliRunner().RunAsync("view", "--input", folder, "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", Path.Combine(temp.File("out"), "v.duckdb"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(
            $"error: {folder} holds an unfinished export (5 of 6 files of its manifest are complete): its tables would lack the rest. Resume it first: fhir-bulk export --resume {folder}",
            result.Error.Trim());
        Assert.False(Directory.Exists(temp.File("out")));
    }

    [Fact]
    public async Task View_CompletedExport_WritesItsTables()
    {
        var folder = SmallExport.Write(temp);
        WriteExportState(folder, completed: true);

        var result = await new CliRunner().RunAsync("view", "--input", folder, "--view", Path.Combine(RepositoryPaths.Workshop, "views", "patients.json"), "--out", temp.File("v.duckdb"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ patients +│ +3 │", result.Output);
    }

    [Fact]
    public async Task View_FolderWithoutNdjson_Exit3NamingTheSubfoldersThatHoldSome()
    {
        var folder = temp.File("d3");
        temp.Write(Path.Combine("d3", "patient", "Patient.000.ndjson"), """{"resourceType":"Patient","id":"p1"}""" + "\n");
        temp.Write(Path.Combine("d3", "group", "Patient.000.ndjson"), """{"resourceType":"Patient","id":"p2"}""" + "\n");

        var result = await new CliRunner().RunAsync("view", "--input", folder, "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", Path.Combine(temp.File("out"), "v.duckdb"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: {folder} holds no <Type>.*.ndjson files (its subfolders group/, patient/ do: give one of them): there are no resources to read.", result.Error.Trim());
        Assert.False(Directory.Exists(temp.File("out")));
    }

    public void Dispose() => temp.Dispose();

    /// <summary>
    /// The state an export leaves beside its files: every file of the folder complete in its manifest and, when the export
    /// was interrupted, one more Observation file pending (its download cut, the .part left behind).
    /// </summary>
    private static void WriteExportState(string folder, bool completed)
    {
        var names = Directory.GetFiles(folder, "*.ndjson").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var files = names.Select(n => (Name: n!, Status: "Complete")).ToList();
        if (!completed)
        {
            files.Add(("Observation.000.ndjson", "Pending"));
        }

        var state = new JsonObject
        {
            ["Version"] = 1,
            ["Server"] = "https://fhir.example/r4/",
            ["Request"] = new JsonObject { ["Level"] = "System" },
            ["StatusUrl"] = "https://fhir.example/r4/status/1",
            ["StartedAt"] = "2024-01-31T00:00:00+00:00",
            ["Manifest"] = new JsonObject
            {
                ["transactionTime"] = "2024-01-31T00:00:00Z",
                ["request"] = "https://fhir.example/r4/$export",
                ["output"] = new JsonArray([.. files.Select(f => new JsonObject { ["type"] = f.Name.Split('.')[0], ["url"] = "https://fhir.example/r4/files/" + f.Name })]),
            },
            ["Files"] = new JsonArray([.. files.Select(f => new JsonObject
            {
                ["Kind"] = "Output", ["Type"] = f.Name.Split('.')[0], ["Url"] = "https://fhir.example/r4/files/" + f.Name, ["FileName"] = f.Name, ["Status"] = f.Status,
            })]),
            ["Completed"] = completed,
        };
        File.WriteAllText(Path.Combine(folder, ".fhir-bulk-state.json"), state.ToJsonString());
    }

    /// <summary>Two patients gzipped, then a third after a Flush(), cut right at the flush: as a dropped connection leaves a file.</summary>
    private string WriteCutPatients()
    {
        var path = temp.File("Patient.000.ndjson.gz");
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write("""
                {"resourceType":"Patient","id":"p1","gender":"female"}
                {"resourceType":"Patient","id":"p2","gender":"male"}

                """u8);
            gzip.Flush();
            File.WriteAllBytes(path, buffer.ToArray());
            gzip.Write("""{"resourceType":"Patient","id":"p3"}"""u8);
        }

        return path;
    }
}
