using System.Globalization;
using System.Text;

namespace FhirBulk.Benchmarks.ViewsCold;

/// <summary>
/// Compares two CSV tables cell by cell (header, row count, every value, row order) and says how they differ. Two values
/// that differ only in how a date-time or a number is written (the same instant or the same decimal) are counted apart
/// from real differences, so a formatting choice is visible without hiding a wrong value.
/// </summary>
internal static class CsvCompare
{
    public sealed record Result(string Table, int RowsA, int RowsB, long Cells, long Identical, long FormatOnly, long Different, bool OrderDiffers, IReadOnlyList<string> Examples)
    {
        public bool Same => RowsA == RowsB && Different == 0;
    }

    public static Result Compare(string table, string fileA, string fileB)
    {
        var a = Read(fileA);
        var b = Read(fileB);
        var examples = new List<string>();
        if (a.Count == 0 || b.Count == 0 || !a[0].SequenceEqual(b[0]))
        {
            examples.Add($"headers differ: [{string.Join(',', a.FirstOrDefault() ?? [])}] vs [{string.Join(',', b.FirstOrDefault() ?? [])}]");
            return new Result(table, a.Count - 1, b.Count - 1, 0, 0, 0, Math.Max(a.Count, b.Count), false, examples);
        }

        var header = a[0];
        var rowsA = a.Skip(1).ToList();
        var rowsB = b.Skip(1).ToList();
        var (identical, formatOnly, different) = Cells(header, rowsA, rowsB, examples);
        var orderDiffers = false;
        if (different > 0 && rowsA.Count == rowsB.Count)
        {
            // Same rows in another order is a different finding from different rows: look again with both sorted.
            var sortedExamples = new List<string>();
            var sorted = Cells(header, Sorted(rowsA), Sorted(rowsB), sortedExamples);
            if (sorted.Different < different)
            {
                orderDiffers = true;
                (identical, formatOnly, different) = sorted;
                examples = sortedExamples;
            }
        }

        return new Result(table, rowsA.Count, rowsB.Count, (long)Math.Min(rowsA.Count, rowsB.Count) * header.Length, identical, formatOnly, different, orderDiffers, examples);
    }

    private static List<string[]> Sorted(List<string[]> rows) => [.. rows.OrderBy(r => string.Join('\u0001', r), StringComparer.Ordinal)];

    private static (long Identical, long FormatOnly, long Different) Cells(string[] header, List<string[]> rowsA, List<string[]> rowsB, List<string> examples)
    {
        long identical = 0, formatOnly = 0, different = Math.Abs(rowsA.Count - rowsB.Count) * (long)header.Length;
        var formatExamples = 0;
        for (var r = 0; r < Math.Min(rowsA.Count, rowsB.Count); r++)
        {
            for (var c = 0; c < header.Length; c++)
            {
                var x = c < rowsA[r].Length ? rowsA[r][c] : "";
                var y = c < rowsB[r].Length ? rowsB[r][c] : "";
                if (string.Equals(x, y, StringComparison.Ordinal))
                {
                    identical++;
                }
                else if (SameValue(x, y))
                {
                    formatOnly++;
                    if (formatExamples++ == 0)
                    {
                        examples.Add($"format only, row {r + 1} `{header[c]}`: `{x}` vs `{y}`");
                    }
                }
                else
                {
                    different++;
                    if (examples.Count < 4)
                    {
                        examples.Add($"row {r + 1} `{header[c]}`: `{x}` vs `{y}`");
                    }
                }
            }
        }

        return (identical, formatOnly, different);
    }

    private static bool SameValue(string x, string y) =>
        (DateTimeOffset.TryParse(x, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dx) &&
         DateTimeOffset.TryParse(y, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dy) && dx == dy) ||
        (decimal.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var nx) &&
         decimal.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out var ny) && nx == ny) ||
        (bool.TryParse(x, out var bx) && bool.TryParse(y, out var by) && bx == by);

    /// <summary>RFC 4180: fields may be quoted, quotes doubled, line breaks inside quotes kept.</summary>
    private static List<string[]> Read(string file)
    {
        var rows = new List<string[]>();
        var text = File.ReadAllText(file);
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (ch is '\n' or '\r')
            {
                if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                fields.Add(field.ToString());
                field.Clear();
                rows.Add([.. fields]);
                fields.Clear();
            }
            else
            {
                field.Append(ch);
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            rows.Add([.. fields]);
        }

        return rows;
    }
}
