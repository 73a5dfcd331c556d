using System.Text.Json;
using DuckDB.NET.Data;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class ViewLakeCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    private static string Views => Path.Combine(RepositoryPaths.Workshop, "views");

    [Fact]
    public async Task View_FormatParquetOutFolder_WritesLakeThatGlobsReadAsOneTable()
    {
        var lake = temp.File("lake");

        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Views, "--format", "parquet", "--out", lake);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(lake, "patients", "part-00000-00000.parquet")), result.ToString());
        Assert.True(File.Exists(Path.Combine(lake, "patients", "_schema.json")));
        Assert.Single(Directory.GetFiles(Path.Combine(lake, "_runs"), "*.json"));
        Assert.Equal(3L, await CountAsync(lake, "patients"));
    }

    [Fact]
    public async Task View_TwoShardsThenMerge_Exit0WithEveryViewsRowsOnce()
    {
        var input = SmallExport.Write(temp);
        var lake = temp.File("lake");
        var single = temp.File("single");
        Assert.Equal(0, (await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", single)).ExitCode);
        foreach (var shard in new[] { "0/2", "1/2" })
        {
            var run = await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", lake, "--shard", shard, "--split-mb", "1");
            Assert.True(run.ExitCode == 0, run.ToString());
        }

        var result = await new CliRunner().RunAsync("view", "--merge", lake);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ patients +│ +3 │", result.Output);
        Assert.Contains("2 shards of 2 in", result.Output, StringComparison.Ordinal);
        var json = JsonDocument.Parse((await new CliRunner().RunAsync("view", "--merge", lake, "--json")).Output).RootElement;
        Assert.Equal(2, json.GetProperty("shards").GetInt32());
        Assert.Equal(3, json.GetProperty("rows").GetProperty("patients").GetInt64());
        Assert.Equal(["0/2", "1/2"], json.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("shard").GetString()));
        foreach (var view in Directory.GetDirectories(single).Select(Path.GetFileName).Where(n => n != "_runs"))
        {
            Assert.Equal(await CountAsync(single, view!), await CountAsync(lake, view!));
        }
    }

    [Fact]
    public async Task Merge_ExportFolderNotALake_Exit3SayingSoNotLakeIncomplete()
    {
        var export = SmallExport.Write(temp);

        var result = await new CliRunner().RunAsync("view", "--merge", export);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.StartsWith($"error: {export} is not a Parquet lake: it holds no run record", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_OneShardRunOverATwoShardRun_TellsTheRunsApartNotTwoShardsOfOne()
    {
        var input = SmallExport.Write(temp);
        var lake = temp.File("lake");
        foreach (var shard in new[] { "0/2", "1/2", "0/1" })
        {
            var run = await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", lake, "--shard", shard, "--split-mb", "1");
            Assert.True(run.ExitCode == 0, run.ToString());
        }

        var result = await new CliRunner().RunAsync("view", "--merge", lake);

        Assert.True(result.ExitCode == 8, result.ToString());
        Assert.Contains("1 shard of 1, and shard 1/2 of another run in", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_WithoutDb_ReadsTheLakeThroughReadParquet()
    {
        var lake = temp.File("lake");
        Assert.Equal(0, (await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Views, "--format", "parquet", "--out", lake)).ExitCode);

        var result = await new CliRunner().RunAsync("query", $"SELECT count(*) AS n, typeof(any_value(date_of_birth)) AS t FROM read_parquet('{Path.Combine(lake, "patients", "*.parquet")}')", "--csv");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("n,t\n3,DATE", result.Output.Trim().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task View_MergeOfLakeWithoutShard0_Exit8NamingTheMissingShard()
    {
        var lake = temp.File("lake");
        var shard = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Views, "--format", "parquet", "--out", lake, "--shard", "1/2");
        Assert.True(shard.ExitCode == 0, shard.ToString());

        var result = await new CliRunner().RunAsync("view", "--merge", lake);

        Assert.True(result.ExitCode == 8, result.ToString());
        Assert.Contains("error: the lake is incomplete: missing 1 shard of 2: 0/2.", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0/1")]
    public async Task View_UnshardedIntoLakeHoldingTwoShardRun_WarnsOnOneLineNamingTheLeftoverShardAndMerge(string? shard)
    {
        // '--shard 0/1' is the same single-shard run as no --shard, and leaves the lake as incomplete.
        var (input, lake) = await LakeOfATwoShardRunAsync();

        var result = await new CliRunner().RunAsync(["view", "--input", input, "--view", Views, "--format", "parquet", "--out", lake, .. (shard is null ? [] : new[] { "--shard", shard })]);

        // The run itself succeeded; what the lake holds beside it is the warning.
        Assert.True(result.ExitCode == 0, result.ToString());
        var warning = Assert.Single(result.Error.Split('\n'), l => l.StartsWith($"warning: {lake} holds more than this run", StringComparison.Ordinal));
        Assert.True(warning.Contains("shard 1/2 (", StringComparison.Ordinal), warning);
        Assert.EndsWith($"See it with: fhir-bulk view --merge {lake}", warning.TrimEnd('\r'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_UnshardedIntoLakeHoldingTwoShardRunWithJson_ListsTheLakeWarningInWarnings()
    {
        var (input, lake) = await LakeOfATwoShardRunAsync();

        var result = await new CliRunner().AsPipe().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", lake, "--json");

        // A script reading --json learns what stderr said: the lake holds another run's shard beside this run's rows.
        Assert.True(result.ExitCode == 0, result.ToString());
        var warnings = System.Text.Json.JsonDocument.Parse(result.Output).RootElement.GetProperty("warnings").EnumerateArray()
            .Select(w => w.GetProperty("message").GetString()!).ToList();
        var warning = Assert.Single(warnings, w => w.StartsWith($"{lake} holds more than this run", StringComparison.Ordinal));
        Assert.Contains($"warning: {warning}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_FewerViewsOverALakeOfMore_WarningsGlobNamesAFolderHoldingThePartsNoRunLists()
    {
        var input = SmallExport.Write(temp);
        var lake = temp.File("lake");
        await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", lake);
        var two = temp.File("two-views");
        Directory.CreateDirectory(two);
        foreach (var name in new[] { "conditions.json", "patients.json" })
        {
            File.Copy(Path.Combine(Views, name), Path.Combine(two, name));
        }

        var result = await new CliRunner().RunAsync("view", "--input", input, "--view", two, "--format", "parquet", "--out", lake);

        // The parts left are those of the four views this run did not write, the first of them (in order) encounters'.
        Assert.True(result.ExitCode == 0, result.ToString());
        var warning = Assert.Single(result.Error.Split('\n'), l => l.StartsWith($"warning: {lake} holds more than this run", StringComparison.Ordinal));
        Assert.Contains($"a glob such as {lake}/encounters/*.parquet reads beside its rows: ", warning, StringComparison.Ordinal);
        Assert.Contains("parts are listed by no shard's latest run (encounters/part-", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_UnshardedRunAgain_NoWarningAboutTheLake()
    {
        var input = SmallExport.Write(temp);
        var lake = temp.File("lake");
        await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", lake);

        var result = await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", lake);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("holds more than this run", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_Shard_WarnsOnlyOfTypesTheWholeInputLacks()
    {
        var input = SmallExport.Write(temp);

        var first = await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", temp.File("lake"), "--shard", "0/2");

        Assert.True(first.ExitCode == 0, first.ToString());
        // Each small file is one unit, so shard 0 lacks some types that shard 1 has: normal, and not worth a warning. The one
        // warning left is for the type the whole input lacks (the small export has no Observation file).
        var warnings = first.Error.Split('\n').Where(l => l.StartsWith("warning: no ", StringComparison.Ordinal)).ToList();
        Assert.Equal("warning: no Observation files in " + input + ": table smoking_status is empty in every shard", Assert.Single(warnings).TrimEnd('\r'));
    }

    [Fact]
    public async Task View_MoreShardsThanUnits_NoteSaysWhichShardsHaveNothing()
    {
        var input = SmallExport.Write(temp);
        var units = Directory.GetFiles(input, "*.ndjson*").Length;

        var result = await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", temp.File("lake"), "--shard", "0/1000");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("for 1000 shards: shards ", result.Error, StringComparison.Ordinal);
        Assert.Contains("..999 have nothing to read", result.Error, StringComparison.Ordinal);
        Assert.True(units > 0);
    }

    [Fact]
    public async Task View_MergeOfEmptyFolder_Exit3NotALakeWithoutAnEmptyTableOrDoublePeriod()
    {
        Directory.CreateDirectory(temp.File("not-a-lake"));

        var result = await new CliRunner().RunAsync("view", "--merge", temp.File("not-a-lake"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.DoesNotContain("│", result.Output, StringComparison.Ordinal);
        Assert.Contains("is not a Parquet lake: it holds no run record", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("..", result.Error.Replace(temp.Path, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2/2")]
    [InlineData("1")]
    [InlineData("-1/3")]
    [InlineData("a/b")]
    public async Task View_ShardNotKOfN_Exit2SayingTheExpectedForm(string shard)
    {
        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Views, "--format", "parquet", "--out", temp.File("lake"), "--shard", shard);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"error: --shard expects K/N with 0 ≤ K < N (K counts from 0, as JOB_COMPLETION_INDEX does), such as 0/4; got '{shard}'.", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("lake")));
    }

    [Fact]
    public async Task View_ShardIntoDuckDb_Exit2AskingForTheLake()
    {
        var result = await new CliRunner().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Views, "--out", temp.File("v.duckdb"), "--shard", "0/2");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("error: --shard writes its share as parts of a Parquet lake: give --format parquet and an --out folder.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_WithoutInputAndMerge_Exit2NamingInput()
    {
        var result = await new CliRunner().RunAsync("view", "--view", Views);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--input", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_ShardInNonTerminalConsole_PlainLinesAndTableOfItsRows()
    {
        var lake = temp.File("lake");

        var result = await new CliRunner().AsPipe().RunAsync("view", "--input", SmallExport.Write(temp), "--view", Views, "--format", "parquet", "--out", lake, "--shard", "0/1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("\u001b[", result.Output + result.Error, StringComparison.Ordinal);
        Assert.Contains($"Written to {lake}", result.Output.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Matches(@"│ patients +│ +3 │", result.Output);
    }

    /// <summary>An export and a lake holding both shards of a run of two, as a later unsharded run finds it.</summary>
    private async Task<(string Input, string Lake)> LakeOfATwoShardRunAsync()
    {
        var input = SmallExport.Write(temp);
        var lake = temp.File("lake");
        foreach (var shard in new[] { "0/2", "1/2" })
        {
            var run = await new CliRunner().RunAsync("view", "--input", input, "--view", Views, "--format", "parquet", "--out", lake, "--shard", shard);
            Assert.True(run.ExitCode == 0, run.ToString());
        }

        return (input, lake);
    }

    public void Dispose() => temp.Dispose();

    private static async Task<long> CountAsync(string lake, string view)
    {
        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet('{Path.Combine(lake, view)}/*.parquet')";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
