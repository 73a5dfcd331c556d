using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class QueryCommandTests : IClassFixture<QueryCommandTests.Database>
{
    private readonly Database database;

    public QueryCommandTests(Database database) => this.database = database;

    [Fact]
    public async Task Query_MissingDatabase_SaysADuckDbDatabaseIsMissingNotAFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.duckdb");

        var result = await new CliRunner().RunAsync("query", "--db", missing, "SELECT 1");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"error: DuckDB database '{missing}' does not exist.", result.Error.Trim());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Query_EmptySql_UsageErrorExit2NotABug(string sql)
    {
        var result = await new CliRunner().RunAsync("query", sql);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: no SQL given", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_Sql_PrintsTableWithRowCount()
    {
        var result = await new CliRunner().RunAsync("query", "--db", database.Path, "SELECT gender, count(*) AS n FROM patients GROUP BY gender ORDER BY gender");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ female +│ +2 │", result.Output);
        Assert.Matches(@"│ male +│ +1 │", result.Output);
        Assert.Contains("2 rows", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_WorkshopFile_RunsTheWorkshopQuery()
    {
        var result = await new CliRunner().RunAsync(
            "query", "--db", database.Path, "--file", Path.Combine(RepositoryPaths.Workshop, "queries", "top_conditions.sql"), "--csv");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["code,display,patients", "44054006,Diabetes,2", "38341003,Hypertension,1"], Lines(result.Output));
    }

    [Fact]
    public async Task Query_WorkshopTypedColumns_DateAsDayAndInstantInUtcWithZ()
    {
        var result = await new CliRunner().RunAsync(
            "query", "--db", database.Path, "SELECT p.date_of_birth, c.onset FROM conditions c JOIN patients p ON p.id = c.patient WHERE c.id = 'c1'", "--csv");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["date_of_birth,onset", "1970-01-02,2001-01-01T08:30:00Z"], Lines(result.Output));
    }

    [Fact]
    public async Task Query_SeveralStatements_PrintsEveryResultAsATableInOrder()
    {
        var result = await new CliRunner().RunAsync(
            "query", "CREATE TABLE t AS SELECT 41 AS x; SELECT 'first' AS one; INSERT INTO t VALUES (42); SELECT sum(x) AS total FROM t");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"(?s)│ one +│.*│ first │.*│ +total │.*│ +83 │", result.Output);
    }

    [Theory]
    [InlineData(null, "no result: no statement of this SQL returns rows\n")]
    [InlineData("--csv", "")]
    [InlineData("--json", "[]\n")]
    public async Task Query_NoStatementReturnsRows_NoEmptyTableButAnEmptyResult(string? format, string expected)
    {
        string[] arguments = ["query", "CREATE TABLE t(a INT); SET threads = 1", .. format is null ? Array.Empty<string>() : [format]];

        var result = await new CliRunner().AsPipe().RunAsync(arguments);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected, result.Output.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("--csv")]
    [InlineData("--json")]
    public async Task Query_SeveralResultsAsCsvOrJson_Exit3RatherThanDroppingTheRest(string format)
    {
        var result = await new CliRunner().RunAsync("query", "SELECT 1 AS a; SELECT 2 AS b", format);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"{format} prints the result of one statement, and this SQL has more that return rows", format == "--json" ? result.Output : result.Error, StringComparison.Ordinal);
        if (format == "--json")
        {
            // Still one JSON document on stdout: the refusal, not the first result beside it.
            Assert.Equal(3, JsonDocument.Parse(result.Output).RootElement.GetProperty("error").GetProperty("exitCode").GetInt32());
        }
        else
        {
            // Not the first result alone, which a redirected file would keep as if it were the whole answer.
            Assert.Equal("", result.Output);
        }
    }

    [Fact]
    public async Task Query_Csv_QuotesFieldsThatNeedIt()
    {
        var result = await new CliRunner().RunAsync("query", "--db", database.Path, "SELECT 'a,b' AS x, 'say \"hi\"' AS y", "--csv");

        Assert.Equal(["x,y", "\"a,b\",\"say \"\"hi\"\"\""], Lines(result.Output));
    }

    [Fact]
    public async Task Query_Json_ArrayOfRowObjectsWithNumbersAsNumbers()
    {
        var result = await new CliRunner().RunAsync("query", "--db", database.Path, "SELECT id, 42 AS answer FROM patients ORDER BY id LIMIT 1", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var row = JsonDocument.Parse(result.Output).RootElement.EnumerateArray().Single();
        Assert.Equal("p1", row.GetProperty("id").GetString());
        Assert.Equal(42, row.GetProperty("answer").GetInt32());
    }

    [Fact]
    public async Task Query_BadSql_InvalidInputWithDuckDbMessage()
    {
        var result = await new CliRunner().RunAsync("query", "--db", database.Path, "SELECT * FROM no_such_table");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("no_such_table", result.Error, StringComparison.Ordinal);
    }

    private const string Uuids =
        "SELECT '0b9f5a3c-1d2e-4f60-8a7b-9c0d1e2f3a4b' AS patient_identifier, '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9' AS encounter_identifier, DATE '1970-01-01' AS date_of_birth";

    [Fact]
    public async Task Query_UuidsOnAPipe_FullValuesAndHeaders()
    {
        var result = await new CliRunner().AsPipe().RunAsync("query", "--db", database.Path, Uuids);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ 0b9f5a3c-1d2e-4f60-8a7b-9c0d1e2f3a4b │ 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9 │ 1970-01-01 +│", result.Output);
        Assert.Contains("date_of_birth", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("values cut", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_TableWiderThanColumns_SaysValuesWereCutAndHowToSeeThem()
    {
        var result = await new CliRunner().AsPipe().WithEnvironment("COLUMNS", "60").RunAsync("query", "--db", database.Path, Uuids);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("values cut to fit 60 columns; use --csv or --json for full values", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_TableWiderThanTheTerminal_EachValueCutToOneLineNeverWrapped()
    {
        const string Sql = Uuids + ", 'General examination of patient (procedure)' AS type_display, 'a' || chr(10) || 'b' AS note";
        foreach (var runner in new[] { new CliRunner().WithTerminalWidth(80), new CliRunner().AsPipe().WithEnvironment("COLUMNS", "80") })
        {
            var result = await runner.RunAsync("query", "--db", database.Path, Sql);

            Assert.True(result.ExitCode == 0, result.ToString());
            var lines = Lines(result.Output);
            Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
            // The header and the one row, one line each: a display text is cut, not run over several lines.
            Assert.Equal(2, lines.Count(line => line.StartsWith('│')));
            Assert.Contains(lines, line => line.Contains("│ General", StringComparison.Ordinal) && line.Contains('…', StringComparison.Ordinal));
            Assert.Equal("values cut to fit 80 columns; use --csv or --json for full values", lines[^1]);
        }
    }

    [Fact]
    public async Task Query_CsvOnANarrowPipe_FullValues()
    {
        var result = await new CliRunner().AsPipe().WithEnvironment("COLUMNS", "40").RunAsync("query", "--db", database.Path, Uuids, "--csv");

        Assert.Equal(
            ["patient_identifier,encounter_identifier,date_of_birth", "0b9f5a3c-1d2e-4f60-8a7b-9c0d1e2f3a4b,5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9,1970-01-01"],
            Lines(result.Output));
    }

    [Fact]
    public async Task Query_MissingDatabase_InvalidInputNamingIt()
    {
        var result = await new CliRunner().RunAsync("query", "--db", "/nonexistent/x.duckdb", "SELECT 1");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("/nonexistent/x.duckdb", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_SqlAndFile_UsageError()
    {
        var result = await new CliRunner().RunAsync("query", "--db", database.Path, "SELECT 1", "--file", "q.sql");

        Assert.Equal(2, result.ExitCode);
    }

    [Theory]
    [InlineData("CREATE TABLE t(a INT)", "CREATE")]
    [InlineData("SELECT 1 AS a; DELETE FROM patients", "DELETE")]
    public async Task Query_StatementThatWouldChangeTheDatabase_Exit3SayingQueryOpensItReadOnly(string sql, string statement)
    {
        var result = await new CliRunner().AsPipe().RunAsync("query", "--db", database.Path, sql, "--csv");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.StartsWith($"error: query opens {database.Path} read-only, and this SQL's {statement} statement would change it; without --db,", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.DoesNotContain("attached in read-only mode", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT 1 AS a; SELECT error('later statement fails') AS b")]
    [InlineData("SELECT 1 AS a; DELETE FROM patients")]
    public async Task Query_CsvWhoseLaterStatementFails_NoPartialCsvOnStdout(string sql)
    {
        var result = await new CliRunner().AsPipe().RunAsync("query", "--db", database.Path, sql, "--csv");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal("", result.Output);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_CsvPastTheSpoolsMemory_EveryRowInOrder()
    {
        var result = await new CliRunner().AsPipe().RunAsync("query", "SELECT i FROM range(1200000) t(i)", "--csv");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Lines(result.Output);
        Assert.Equal(1_200_001, lines.Length);
        Assert.Equal(["i", "0", "1"], lines[..3]);
        Assert.Equal("1199999", lines[^1]);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>One workshop database for the class, built by the real demo --input.</summary>
    public sealed class Database : IAsyncLifetime
    {
        private readonly TempFolder temp = new();

        public string Path => temp.File("out/workshop.duckdb");

        public async Task InitializeAsync()
        {
            var result = await new CliRunner().RunAsync("demo", "--input", SmallExport.Write(temp), "--out", temp.File("out"), "--json");
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        public Task DisposeAsync()
        {
            temp.Dispose();
            return Task.CompletedTask;
        }
    }
}
