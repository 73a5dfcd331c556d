using CsCheck;
using DuckDB.NET.Data;
using FhirBulk.Sinks.Csv;
using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Views;

namespace FhirBulk.Tests.Sinks;

/// <summary>Whatever text a cell holds (commas, quotes, CR, LF), an independent CSV reader (DuckDB's) reads back the same cells.</summary>
public class CsvRoundTripProperties
{
    private static readonly Gen<string?> GenCell =
        Gen.String[Gen.Char["ab ,\"\r\n\té;"], 0, 12].Null(0.1);

    [Fact]
    public async Task WriteRowAsync_AnyText_ReadBackIdentically()
    {
        await GenCell.Array[2].List[1, 6].SampleAsync(async rows =>
        {
            using var dir = new TempFolder();
            await using (var sink = new CsvSink(dir.Path))
            {
                await using var writer = await sink.OpenTableAsync(new ViewSchema("t", "Patient", [new ViewColumn("a", "string", false), new ViewColumn("b", "string", false)]));
                foreach (string?[] row in rows)
                {
                    await writer.WriteRowAsync([.. row]);
                }

                await writer.CompleteAsync();
                await sink.CompleteAsync();
            }

            Assert.Equal(rows.Select(r => r.Select(c => c ?? "")), await ReadWithDuckDbAsync(dir.File("t.csv")));
        }, iter: 60);
    }

    private static async Task<List<string[]>> ReadWithDuckDbAsync(string file)
    {
        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // all_varchar and empty-as-empty so that DuckDB neither infers types nor turns '' into NULL.
        command.CommandText = $"SELECT coalesce(a, ''), coalesce(b, '') FROM read_csv('{file}', header = true, quote = '\"', escape = '\"', all_varchar = true, columns = {{'a': 'VARCHAR', 'b': 'VARCHAR'}})";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            rows.Add([reader.GetString(0), reader.GetString(1)]);
        }

        return rows;
    }
}
