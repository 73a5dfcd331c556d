using FhirBulk.Ndjson;
using FhirBulk.Views;

namespace FhirBulk.Tables;

/// <summary>What a run produced and what it skipped.</summary>
public sealed class TableRunResult
{
    internal TableRunResult(IReadOnlyDictionary<string, long> rowsByTable, IReadOnlyDictionary<string, long> resourcesByType, long resources, long bytesRead, MalformedLineReport malformedLines, long viewErrorCount, IReadOnlyList<ViewError> viewErrors, IReadOnlyList<ColumnMisfits> valueMisfits, TimeSpan elapsed)
    {
        RowsByTable = rowsByTable;
        ResourcesByType = resourcesByType;
        Resources = resources;
        BytesRead = bytesRead;
        MalformedLines = malformedLines;
        ViewErrorCount = viewErrorCount;
        ViewErrors = viewErrors;
        ValueMisfits = valueMisfits;
        Elapsed = elapsed;
    }

    /// <summary>Rows written, by table (view) name; every view has an entry, possibly 0.</summary>
    public IReadOnlyDictionary<string, long> RowsByTable { get; }

    /// <summary>
    /// Resources read per type that a view reads; a type the input had none of has 0, so a caller can say why a table is
    /// empty.
    /// </summary>
    public IReadOnlyDictionary<string, long> ResourcesByType { get; }

    /// <summary>Resources read (of the types the views read).</summary>
    public long Resources { get; }

    /// <summary>Input bytes done: read from disk, or skipped whole because no view reads their type (see <see cref="NdjsonSource.BytesRead"/>).</summary>
    public long BytesRead { get; }

    /// <summary>The lines skipped because they were not FHIR resources: a count and the first few.</summary>
    public MalformedLineReport MalformedLines { get; }

    /// <summary>How many times a view failed on a resource.</summary>
    public long ViewErrorCount { get; }

    /// <summary>The first few view failures, in reading order.</summary>
    public IReadOnlyList<ViewError> ViewErrors { get; }

    /// <summary>
    /// The columns with values that did not fit their SQL type (written as null, never altered), one entry per column
    /// with the count and the first few; empty when every value fitted.
    /// </summary>
    public IReadOnlyList<ColumnMisfits> ValueMisfits { get; }

    /// <summary>Wall-clock duration of the run.</summary>
    public TimeSpan Elapsed { get; }
}
