using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Tables;
using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Views;

namespace FhirBulk.Tests.Sinks;

/// <summary>
/// Every <c>ansi/type</c> through a real ViewDefinition into DuckDB and Parquet, read back by DuckDB itself
/// (<c>DESCRIBE</c> for the type, the value as DuckDB prints it).
/// </summary>
public class AnsiTypeRoundTripTests
{
    public static TheoryData<string, string, string, string> Types => new()
    {
        { "BOOLEAN", "true", "BOOLEAN", "true" },
        { "INT", "42", "INTEGER", "42" },
        { "INTEGER", "'-7'", "INTEGER", "-7" },
        { "BIGINT", "'5000000000'", "BIGINT", "5000000000" },
        { "DECIMAL(38,9)", "12345678901234567890.123456789", "DECIMAL(38,9)", "12345678901234567890.123456789" },
        { "DECIMAL(5,2)", "1.250", "DECIMAL(5,2)", "1.25" },
        { "DOUBLE", "1.5", "DOUBLE", "1.5" },
        { "DATE", "'2012-03-04'", "DATE", "2012-03-04" },
        { "TIME", "'10:11:12.5'", "TIME", "10:11:12.5" },
        { "TIMESTAMP", "'2012-03-04T10:11:12'", "TIMESTAMP", "2012-03-04 10:11:12" },
        { "TIMESTAMP WITH TIME ZONE", "'2012-03-04T10:11:12+02:00'", "TIMESTAMP WITH TIME ZONE", "2012-03-04 08:11:12+00" },
        { "CHARACTER VARYING", "'2012-03'", "VARCHAR", "2012-03" },
        { "VARCHAR", "'x'", "VARCHAR", "x" },
        { "BINARY", "'AQID'", "BLOB", @"\x01\x02\x03" },
        { "VARBINARY", "'AQID'", "BLOB", @"\x01\x02\x03" },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public async Task DuckDb_AnsiTypeTag_ColumnHasTheTypeAndTheValueReadsBack(string tag, string path, string duckDbType, string text)
    {
        var (type, values) = await RoundTripAsync(TableFormat.DuckDb, Column("v", path, tag));

        Assert.Equal((duckDbType, text), (type[0], values[0][0]));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Parquet_AnsiTypeTag_ColumnHasTheTypeAndTheValueReadsBack(string tag, string path, string duckDbType, string text)
    {
        var (type, values) = await RoundTripAsync(TableFormat.Parquet, Column("v", path, tag));

        Assert.Equal((duckDbType, text), (type[0], values[0][0]));
    }

    [Theory]
    [InlineData(TableFormat.DuckDb, "DATE", "'2012-03-04' | '2013-04-05'", "DATE[]", "[2012-03-04, 2013-04-05]")]
    [InlineData(TableFormat.Parquet, "DATE", "'2012-03-04' | '2013-04-05'", "DATE[]", "[2012-03-04, 2013-04-05]")]
    [InlineData(TableFormat.DuckDb, "DECIMAL(5,2)", "1.5 | 2.25", "DECIMAL(5,2)[]", "[1.50, 2.25]")]
    [InlineData(TableFormat.DuckDb, "TIME", "'10:11:12' | '13:14:15'", "TIME[]", "['10:11:12', '13:14:15']")]
    [InlineData(TableFormat.DuckDb, "TIMESTAMP", "'2012-03-04T10:11:12' | '2013-04-05T10:11:12'", "TIMESTAMP[]", "['2012-03-04 10:11:12', '2013-04-05 10:11:12']")]
    [InlineData(TableFormat.DuckDb, "BIGINT", "'1' | '5000000000'", "BIGINT[]", "[1, 5000000000]")]
    [InlineData(TableFormat.DuckDb, "DOUBLE", "1.5 | 2", "DOUBLE[]", "[1.5, 2.0]")]
    [InlineData(TableFormat.DuckDb, "BOOLEAN", "true | false", "BOOLEAN[]", "[true, false]")]
    [InlineData(TableFormat.DuckDb, "TIMESTAMP WITH TIME ZONE", "'2012-03-04T10:11:12Z' | '2013-04-05T10:11:12Z'", "TIMESTAMP WITH TIME ZONE[]", "['2012-03-04 10:11:12+00', '2013-04-05 10:11:12+00']")]
    public async Task CollectionWithAnsiType_ListOfThatType(TableFormat format, string tag, string path, string duckDbType, string text)
    {
        var (type, values) = await RoundTripAsync(format, $$"""{"name":"v","path":"{{path}}","collection":true,"tag":[{"name":"ansi/type","value":"{{tag}}"}]}""");

        Assert.Equal((duckDbType, text), (type[0], values[0][0]));
    }

    [Fact]
    public async Task Ndjson_AnsiTypes_JsonTypeOfTheColumnWhateverTheViewGave()
    {
        using var dir = new TempFolder();
        string input = dir.Write("Patient.ndjson", """{"resourceType":"Patient","id":"p1"}""");
        ICompiledView view = ViewDefinitionCompiler.Compile($$"""
            {"name":"t","resource":"Patient","select":[{"column":[
              {{Column("b", "'true'", "BOOLEAN")}}, {{Column("i", "'42'", "INT")}}, {{Column("d", "'1.250'", "DECIMAL(5,2)")}},
              {{Column("day", "'2012-03-04'", "DATE")}}, {{Column("n", "42", "CHARACTER VARYING")}}]}]}
            """);

        await using (ITableSink sink = TableSinks.Create(TableFormat.Ndjson, dir.File("out")))
        {
            await new FhirTables().RunAsync(NdjsonSource.FromFile(input), [view], sink);
        }

        Assert.Equal("""{"b":true,"i":42,"d":1.25,"day":"2012-03-04","n":"42"}""", File.ReadAllText(Path.Combine(dir.File("out"), "t.ndjson")).TrimEnd());
    }

    // The issue's examples: DOUBLE made 1.250 into 1.25 and 12345678901234567890.123456789 into 1.234567890123457E+19.
    [Theory]
    [InlineData(TableFormat.DuckDb)]
    [InlineData(TableFormat.Parquet)]
    [InlineData(TableFormat.Csv)]
    [InlineData(TableFormat.Ndjson)]
    public async Task DecimalByDefault_EveryDigitKept(TableFormat format)
    {
        using var dir = new TempFolder();
        string input = dir.Write("Observation.ndjson", """
            {"resourceType":"Observation","id":"o1","status":"final","code":{},"valueQuantity":{"value":1.250}}
            {"resourceType":"Observation","id":"o2","status":"final","code":{},"valueQuantity":{"value":12345678901234567890.123456789}}
            """);
        ICompiledView view = ViewDefinitionCompiler.Compile("""{"name":"t","resource":"Observation","select":[{"column":[{"name":"v","path":"value.ofType(Quantity).value"}]}]}""");

        var (types, rows) = await RunAsync(dir, format, input, view);

        Assert.Equal("VARCHAR", types[0]);
        Assert.Equal(["1.250", "12345678901234567890.123456789"], rows.Select(r => r[0]));
    }

    [Theory]
    [InlineData(TableFormat.DuckDb)]
    [InlineData(TableFormat.Parquet)]
    public async Task NoInputRows_FullTypedSchemaWritten(TableFormat format)
    {
        using var dir = new TempFolder();
        string input = dir.Write("Observation.ndjson", """{"resourceType":"Observation","id":"o1","status":"final","code":{}}""");
        ICompiledView view = ViewDefinitionCompiler.Compile("""
            {"name":"t","resource":"Patient","select":[{"column":[
              {"name":"id","path":"id"},
              {"name":"born","path":"birthDate","tag":[{"name":"ansi/type","value":"DATE"}]},
              {"name":"active","path":"active"},
              {"name":"names","path":"name.given","collection":true},
              {"name":"weight","path":"extension.value.ofType(decimal).first()","tag":[{"name":"ansi/type","value":"DECIMAL(10,3)"}]}]}]}
            """);

        var (types, rows) = await RunAsync(dir, format, input, view);

        Assert.Empty(rows);
        Assert.Equal(["VARCHAR", "DATE", "BOOLEAN", "VARCHAR[]", "DECIMAL(10,3)"], types);
    }

    [Fact]
    public async Task MisfitValues_NullInTheTableAndOneReportPerColumn()
    {
        using var dir = new TempFolder();
        string input = dir.Write("Patient.ndjson", """
            {"resourceType":"Patient","id":"p1","birthDate":"2012-03-04"}
            {"resourceType":"Patient","id":"p2","birthDate":"2012-03"}
            {"resourceType":"Patient","id":"p3","birthDate":"2012"}
            """);
        ICompiledView view = ViewDefinitionCompiler.Compile("""{"name":"t","resource":"Patient","select":[{"column":[{"name":"id","path":"id"},{"name":"born","path":"birthDate","tag":[{"name":"ansi/type","value":"DATE"}]}]}]}""");
        string db = dir.File("t.duckdb");

        TableRunResult result;
        await using (ITableSink sink = TableSinks.Create(TableFormat.DuckDb, db))
        {
            result = await new FhirTables().RunAsync(NdjsonSource.FromFile(input), [view], sink);
        }

        var (_, rows) = await ReadAsync($"Data Source={db};ACCESS_MODE=READ_ONLY", "t");
        Assert.Equal([["p1", "2012-03-04"], ["p2", null], ["p3", null]], rows);
        ColumnMisfits misfits = Assert.Single(result.ValueMisfits);
        Assert.Equal(("t", "born", 2L), (misfits.View, misfits.Column, misfits.Count));
        Assert.Equal(["Patient/p2", "Patient/p3"], misfits.Examples.Select(e => e.ResourceKey));
        Assert.Equal($"{input}:2: Patient/p2: '2012-03': a partial date; DATE needs year, month and day", misfits.Examples[0].ToString());
    }

    [Fact]
    public async Task MisfitValue_Strict_StopsNamingViewColumnValueAndResource()
    {
        using var dir = new TempFolder();
        string input = dir.Write("Patient.ndjson", """
            {"resourceType":"Patient","id":"p1","birthDate":"2012-03-04"}
            {"resourceType":"Patient","id":"p2","birthDate":"2012-03"}
            """);
        ICompiledView view = ViewDefinitionCompiler.Compile("""{"name":"t","resource":"Patient","select":[{"column":[{"name":"born","path":"birthDate","tag":[{"name":"ansi/type","value":"DATE"}]}]}]}""");
        await using ITableSink sink = TableSinks.Create(TableFormat.DuckDb, dir.File("t.duckdb"));

        var ex = await Assert.ThrowsAsync<ViewEvaluationException>(() =>
            new FhirTables(new FhirTablesOptions { ViewErrors = ErrorPolicy.Fail }).RunAsync(NdjsonSource.FromFile(input), [view], sink));

        Assert.Contains("Patient.ndjson:2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("view 't' failed on p2: column 'born' (DATE): '2012-03': a partial date", ex.Message, StringComparison.Ordinal);
    }

    private static string Column(string name, string path, string tag) =>
        $$"""{"name":"{{name}}","path":"{{path}}","tag":[{"name":"ansi/type","value":"{{tag}}"}]}""";

    private static async Task<(List<string> Types, List<object?[]> Rows)> RoundTripAsync(TableFormat format, string column)
    {
        using var dir = new TempFolder();
        string input = dir.Write("Patient.ndjson", """{"resourceType":"Patient","id":"p1"}""");
        ICompiledView view = ViewDefinitionCompiler.Compile($$"""{"name":"t","resource":"Patient","select":[{"column":[{{column}}]}]}""");
        return await RunAsync(dir, format, input, view);
    }

    private static async Task<(List<string> Types, List<object?[]> Rows)> RunAsync(TempFolder dir, TableFormat format, string input, ICompiledView view)
    {
        string output = format == TableFormat.DuckDb ? dir.File("t.duckdb") : dir.File("out");
        TableRunResult result;
        await using (ITableSink sink = TableSinks.Create(format, output))
        {
            result = await new FhirTables().RunAsync(NdjsonSource.FromFile(input), [view], sink);
        }

        Assert.Empty(result.ValueMisfits);
        return format switch
        {
            TableFormat.DuckDb => await ReadAsync($"Data Source={output};ACCESS_MODE=READ_ONLY", "t"),
            TableFormat.Parquet => await ReadAsync("Data Source=:memory:", $"read_parquet('{Path.Combine(output, "t.parquet")}')"),
            TableFormat.Csv => await ReadAsync("Data Source=:memory:", $"read_csv('{Path.Combine(output, "t.csv")}', all_varchar = true)"),
            _ => await ReadAsync("Data Source=:memory:", $"read_json('{Path.Combine(output, "t.ndjson")}', format = 'newline_delimited', columns = {{v: 'VARCHAR'}})"),
        };
    }

    // Values as DuckDB prints them, in UTC whatever the machine's zone.
    private static async Task<(List<string> Types, List<object?[]> Rows)> ReadAsync(string connectionString, string from)
    {
        await using var connection = new DuckDBConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'";
        await command.ExecuteNonQueryAsync();

        var types = new List<string>();
        var names = new List<string>();
        command.CommandText = $"DESCRIBE SELECT * FROM {from}";
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
                types.Add(reader.GetString(1));
            }
        }

        var rows = new List<object?[]>();
        command.CommandText = $"SELECT {string.Join(", ", names.Select(n => $"CAST(\"{n}\" AS VARCHAR)"))} FROM {from}";
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetString(i))]);
            }
        }

        return (types, rows);
    }
}
