using FhirBulk.Views;

namespace FhirBulk.Tests.Sinks;

/// <summary>A table exercising every value kind a view can produce, for all sink tests.</summary>
public static class SampleTable
{
    public static readonly ViewSchema Schema = new("sample", "Patient",
    [
        new ViewColumn("id", "id", false),
        new ViewColumn("active", "boolean", false),
        new ViewColumn("count", "integer", false),
        new ViewColumn("big", "integer64", false),
        new ViewColumn("amount", "decimal", false),
        new ViewColumn("born", "date", false),
        new ViewColumn("seen", "instant", false),
        new ViewColumn("given", "string", true),
        new ViewColumn("note", null, false),
    ]);

    public static readonly object?[][] Rows =
    [
        ["p1", true, 3, 5_000_000_000L, 1.50m, "2012-03", "2024-08-06T18:12:57Z", (IReadOnlyList<object?>)["Ann", "Bo"], "say \"hi\", then\r\nleave"],
        ["p2", null, null, null, null, null, null, null, null],
        ["p3", false, -1, 0L, 0.1m, "1970-01-01", "2024-08-06T14:12:57.5-04:00", (IReadOnlyList<object?>)[], "plain"],
    ];

    public static async Task WriteAsync(FhirBulk.Sinks.ITableSink sink)
    {
        await using var writer = await sink.OpenTableAsync(Schema);
        foreach (object?[] row in Rows)
        {
            await writer.WriteRowAsync(row);
        }

        await writer.CompleteAsync();
    }
}
