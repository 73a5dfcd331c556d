using FhirBulk.Views;

namespace FhirBulk.Tables;

/// <summary>
/// A column some of whose values did not fit its SQL type (a partial date in a DATE column, a decimal with more digits
/// than its DECIMAL(p,s) holds): those values were written as null, never altered.
/// </summary>
/// <param name="View">The view (table) name.</param>
/// <param name="Column">The column name.</param>
/// <param name="Type">The column's SQL type.</param>
/// <param name="Count">How many values did not fit (each item of a collection counts).</param>
/// <param name="Examples">The first few, by file and line.</param>
public sealed record ColumnMisfits(string View, string Column, SqlType Type, long Count, IReadOnlyList<MisfitValue> Examples)
{
    /// <inheritdoc/>
    public override string ToString() => $"view '{View}', column '{Column}' ({Type})";
}

/// <summary>One value that did not fit its column's SQL type, and the resource it came from.</summary>
/// <param name="SourceName">The file (or <c>stdin</c>) holding the resource.</param>
/// <param name="LineNumber">The resource's 1-based line number.</param>
/// <param name="ResourceKey">The resource as <c>Type/id</c> (just the type when it has no id).</param>
/// <param name="Reason">The value and why it does not fit, e.g. <c>'2012-03': a partial date; DATE needs year, month and day</c>.</param>
public sealed record MisfitValue(string SourceName, long LineNumber, string ResourceKey, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => $"{SourceName}:{LineNumber}: {ResourceKey}: {Reason}";
}
