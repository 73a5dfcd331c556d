using FhirBulk.Sinks;
using FhirBulk.Views;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Sinks;

public class TableSchemasTests
{
    private static readonly ViewSchema Schema = new("patients", "Patient",
    [
        new ViewColumn("id", "id", false),
        new ViewColumn("born", "date", false, SqlType.Parse("DATE")),
        new ViewColumn("weight", "decimal", false, SqlType.Parse("DECIMAL(38,9)")),
        new ViewColumn("seen", "dateTime", false, SqlType.Parse("TIMESTAMP")),
        new ViewColumn("given", "string", true),
        new ViewColumn("note", null, false),
    ]);

    [Fact]
    public void ToJson_NameResourceAndEachColumnsAnsiTypeFhirTypeCollectionNullable()
    {
        string json = TableSchemas.ToJson(Schema).ReplaceLineEndings("\n");

        Assert.StartsWith("{\n  \"name\": \"patients\",\n  \"resource\": \"Patient\",\n  \"columns\": [", json, StringComparison.Ordinal);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var born = document.RootElement.GetProperty("columns")[1];
        Assert.Equal("""{"name":"born","type":"DATE","fhirType":"date","collection":false,"nullable":true}""", System.Text.Json.JsonSerializer.Serialize(born, TestJson.Default.JsonElement));
        var note = document.RootElement.GetProperty("columns")[5];
        Assert.Equal("""{"name":"note","type":"CHARACTER VARYING","fhirType":null,"collection":false,"nullable":true}""", System.Text.Json.JsonSerializer.Serialize(note, TestJson.Default.JsonElement));
    }

    [Fact]
    public void ToDuckDbDdl_CreateTableWithDuckDbTypes()
    {
        Assert.Equal(
            "CREATE TABLE \"patients\" (\n  \"id\" VARCHAR,\n  \"born\" DATE,\n  \"weight\" DECIMAL(38,9),\n  \"seen\" TIMESTAMP,\n  \"given\" VARCHAR[],\n  \"note\" VARCHAR\n);",
            TableSchemas.ToDuckDbDdl(Schema));
    }

    [Fact]
    public void ToSparkDdl_CreateTableUsingParquetWithSparkTypes()
    {
        Assert.Equal(
            "CREATE TABLE `patients` (\n  `id` STRING,\n  `born` DATE,\n  `weight` DECIMAL(38,9),\n  `seen` TIMESTAMP_NTZ,\n  `given` ARRAY<STRING>,\n  `note` STRING\n) USING parquet;",
            TableSchemas.ToSparkDdl(Schema));
    }

    [Fact]
    public async Task ToDuckDbDdl_RunByDuckDb_SameTableTheSinkCreates()
    {
        await using var connection = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = TableSchemas.ToDuckDbDdl(Schema);
        await command.ExecuteNonQueryAsync();
        command.CommandText = "SELECT string_agg(data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'patients'";

        Assert.Equal("VARCHAR,DATE,DECIMAL(38,9),TIMESTAMP,VARCHAR[],VARCHAR", await command.ExecuteScalarAsync());
    }
}
