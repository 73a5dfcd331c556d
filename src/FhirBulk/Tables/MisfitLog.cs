using FhirBulk.Ndjson;
using FhirBulk.Views;

namespace FhirBulk.Tables;

/// <summary>Counts the values of a run that did not fit their column's type, per column, keeping the first few of each.</summary>
/// <remarks>
/// Views are evaluated on several threads at once, so values arrive in no fixed order: the examples kept are the first by
/// file name and line, which makes the report the same whatever the parallelism.
/// </remarks>
internal sealed class MisfitLog(int maxExamples)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(int View, int Column), Entry> _entries = [];

    public void Add(int viewIndex, ViewSchema schema, int columnIndex, ResourceLine resource, string reason)
    {
        var example = new MisfitValue(resource.SourceName, resource.LineNumber, resource.Id is null ? resource.ResourceType : $"{resource.ResourceType}/{resource.Id}", reason);
        lock (_lock)
        {
            if (!_entries.TryGetValue((viewIndex, columnIndex), out Entry? entry))
            {
                _entries[(viewIndex, columnIndex)] = entry = new Entry(schema.Name, schema.Columns[columnIndex]);
            }

            entry.Count++;
            int at = entry.Examples.FindIndex(e => Compare(example, e) < 0);
            entry.Examples.Insert(at < 0 ? entry.Examples.Count : at, example);
            if (entry.Examples.Count > maxExamples)
            {
                entry.Examples.RemoveAt(entry.Examples.Count - 1);
            }
        }
    }

    /// <summary>One report per column with values that did not fit, in view and column order.</summary>
    public IReadOnlyList<ColumnMisfits> Reports()
    {
        lock (_lock)
        {
            return [.. _entries.OrderBy(e => e.Key.View).ThenBy(e => e.Key.Column)
                .Select(e => new ColumnMisfits(e.Value.View, e.Value.Column.Name, e.Value.Column.SqlType, e.Value.Count, [.. e.Value.Examples]))];
        }
    }

    private static int Compare(MisfitValue a, MisfitValue b)
    {
        int byFile = string.CompareOrdinal(a.SourceName, b.SourceName);
        return byFile != 0 ? byFile : a.LineNumber.CompareTo(b.LineNumber);
    }

    private sealed class Entry(string view, ViewColumn column)
    {
        public string View => view;

        public ViewColumn Column => column;

        public long Count { get; set; }

        public List<MisfitValue> Examples { get; } = [];
    }
}
