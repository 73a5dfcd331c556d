using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FhirBulk.Views.Conformance;

/// <summary>
/// Compares produced rows with a test's <c>expect</c> array. Rows are compared as a multiset:
/// SQL-on-FHIR v2 fixes the columns of a row but not the order of rows. Values are compared in a
/// canonical text form so that <c>1.0</c> equals <c>1</c> and a list equals a JSON array.
/// </summary>
internal static class ExpectedRows
{
    public static string? Mismatch(JsonElement expect, ViewSchema schema, IReadOnlyList<object?[]> rows)
    {
        if (expect.ValueKind != JsonValueKind.Array)
        {
            return "'expect' is not an array";
        }

        var expected = new List<string>();
        foreach (var row in expect.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Object)
            {
                return "an 'expect' row is not an object";
            }

            expected.Add(Canonical(row.EnumerateObject().Select(p => (p.Name, Canonical(p.Value)))));
        }

        var actual = rows
            .Select(row => Canonical(schema.Columns.Select((c, i) => (c.Name, Canonical(row[i])))))
            .ToList();

        var missing = Subtract(expected, actual);
        var extra = Subtract(actual, expected);
        if (missing.Count == 0 && extra.Count == 0)
        {
            return null;
        }

        var message = new StringBuilder($"expected {expected.Count} row(s), got {actual.Count}");
        foreach (var row in missing.Take(3))
        {
            message.Append(CultureInfo.InvariantCulture, $"; missing {row}");
        }

        foreach (var row in extra.Take(3))
        {
            message.Append(CultureInfo.InvariantCulture, $"; unexpected {row}");
        }

        return message.ToString();
    }

    private static List<string> Subtract(List<string> from, List<string> remove)
    {
        var counts = remove.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var row in from)
        {
            if (counts.TryGetValue(row, out var n) && n > 0)
            {
                counts[row] = n - 1;
            }
            else
            {
                result.Add(row);
            }
        }

        return result;
    }

    private static string Canonical(IEnumerable<(string Name, string Value)> row) =>
        "{" + string.Join(", ", row.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => $"{c.Name}: {c.Value}")) + "}";

    private static string Canonical(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => Number(value.GetDecimal()),
        JsonValueKind.String => Quoted(value.GetString()!),
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(Canonical)) + "]",
        _ => value.GetRawText(),
    };

    private static string Canonical(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        int i => Number(i),
        long l => Number(l),
        decimal d => Number(d),
        string s => Quoted(s),
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Canonical)) + "]",
        _ => value.ToString() is { } text ? Quoted(text) : "null",
    };

    // As a JSON string, escaped as JsonSerializer escapes one by default (<, >, &, ', + and non-ASCII too; a lone surrogate
    // as U+FFFD), without the serializer: its string overload is reflection-based, which Native AOT has not.
    private static string Quoted(string text)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(text);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // Trailing zeros carry FHIR precision but not value: 1.0 and 1 are the same number.
    private static string Number(decimal d) => (d / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
