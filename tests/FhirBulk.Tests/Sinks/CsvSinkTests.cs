using System.Text;
using FhirBulk.Sinks;
using FhirBulk.Sinks.Csv;
using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Views;

namespace FhirBulk.Tests.Sinks;

public class CsvSinkTests
{
    [Fact]
    public async Task WriteRowAsync_SampleTable_Rfc4180WithJsonArraysForCollections()
    {
        using var dir = new TempFolder();
        await using (var sink = new CsvSink(dir.Path))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        string csv = await File.ReadAllTextAsync(dir.File("sample.csv"));

        Assert.Equal(
            "id,active,count,big,amount,born,seen,given,note\r\n"
            + "p1,true,3,5000000000,1.50,2012-03,2024-08-06T18:12:57Z,\"[\"\"Ann\"\",\"\"Bo\"\"]\",\"say \"\"hi\"\", then\r\nleave\"\r\n"
            + "p2,,,,,,,,\r\n"
            + "p3,false,-1,0,0.1,1970-01-01,2024-08-06T14:12:57.5-04:00,[],plain\r\n",
            csv);
    }

    [Fact]
    public async Task WriteRowAsync_RowsPastTheBufferAndACellLargerThanIt_EveryByteInOrder()
    {
        // The writer encodes into a 64 KiB buffer: rows cross its end, and one cell (quoted, non-ASCII, a surrogate pair)
        // is larger than it.
        var big = string.Concat(Enumerable.Repeat("Zoë \"𝄞\", ", 20_000));
        var rows = Enumerable.Range(0, 5_000).Select(i => new object?[] { $"r{i}", i % 7 == 0 ? big[..(i % 50)] : "李, \"x\"" }).ToList();
        rows.Insert(2_500, ["big", big]);
        using var dir = new TempFolder();
        await using (var sink = new CsvSink(dir.Path))
        {
            await using var writer = await sink.OpenTableAsync(new ViewSchema("t", "Patient", [new ViewColumn("a", "string", false), new ViewColumn("b", "string", false)]));
            foreach (var row in rows)
            {
                await writer.WriteRowAsync(row);
            }

            await writer.CompleteAsync();
            await sink.CompleteAsync();
        }

        static string Field(string text) => text.IndexOfAny([',', '"', '\r', '\n']) < 0 ? text : $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
        var expected = "a,b\r\n" + string.Concat(rows.Select(r => $"{Field((string)r[0]!)},{Field((string)r[1]!)}\r\n"));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), await File.ReadAllBytesAsync(dir.File("t.csv")));
    }

    [Fact]
    public async Task CompleteAsync_Folder_TypedSchemaBesideEachTable()
    {
        using var dir = new TempFolder();
        var schema = new ViewSchema("t", "Patient", [new ViewColumn("born", "date", false), new ViewColumn("amount", "decimal", false)]);
        await using (var sink = new CsvSink(dir.Path))
        {
            await using var writer = await sink.OpenTableAsync(schema);
            await writer.WriteRowAsync(["2012-03", 1.250m]);
            await writer.CompleteAsync();
            await sink.CompleteAsync();
        }

        // CSV has no types of its own: the schema beside it is the one view --schema json prints.
        Assert.Equal(TableSchemas.ToJson(schema), await File.ReadAllTextAsync(dir.File("t" + TableSchemas.FileExtension)));
        Assert.Equal(["t.csv", "t.schema.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DisposeAsync_BeforeComplete_NoSchemaFileLeft()
    {
        using var dir = new TempFolder();
        await using (var sink = new CsvSink(dir.Path))
        {
            await using var writer = await sink.OpenTableAsync(new ViewSchema("t", "Patient", [new ViewColumn("a", "string", false)]));
            await writer.WriteRowAsync(["x"]);
        }

        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task CsvSink_Stream_WritesOneTableAndLeavesStreamOpen()
    {
        var output = new MemoryStream();
        await using (var sink = new CsvSink(output))
        {
            await using var writer = await sink.OpenTableAsync(new ViewSchema("t", "Patient", [new ViewColumn("a", "string", false)]));
            await writer.WriteRowAsync(["x"]);
            await writer.CompleteAsync();

            await Assert.ThrowsAsync<TableSinkException>(() => sink.OpenTableAsync(new ViewSchema("u", "Patient", [])).AsTask());
        }

        Assert.True(output.CanWrite);
        Assert.Equal("a\r\nx\r\n", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task WriteRowAsync_WrongWidth_ThrowsNamingTable()
    {
        using var dir = new TempFolder();
        await using var sink = new CsvSink(dir.Path);
        await using var writer = await sink.OpenTableAsync(new ViewSchema("t", "Patient", [new ViewColumn("a", "string", false)]));

        var ex = await Assert.ThrowsAsync<TableSinkException>(() => writer.WriteRowAsync(["x", "y"]).AsTask());

        Assert.Contains("'t'", ex.Message, StringComparison.Ordinal);
    }
}
