using System.Collections;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Views;

namespace FhirBulk.Tables;

/// <summary>
/// A view whose rows hold only values that fit their columns' SQL types: one that does not is replaced by null and
/// counted in a <see cref="MisfitLog"/>, or, under <see cref="ErrorPolicy.Fail"/>, fails the resource like any view error
/// (naming the column, its type and the value).
/// </summary>
/// <remarks>
/// The check runs where the resource is known, so the report can name it; values that fit are left as the view gave them,
/// so the text sinks write their FHIR form and the typed sinks convert them (<see cref="SqlValues"/>, the same rules).
/// CHARACTER VARYING holds anything, so such columns are not looked at.
/// </remarks>
internal sealed class TypedView : ICompiledView, IPrefilteredView, IBorrowingView
{
    private readonly ICompiledView _inner;
    private readonly int _viewIndex;
    private readonly ErrorPolicy _policy;
    private readonly MisfitLog _log;
    private readonly int[] _checked;

    private TypedView(ICompiledView inner, int viewIndex, ErrorPolicy policy, MisfitLog log, int[] checkedColumns)
    {
        _inner = inner;
        _viewIndex = viewIndex;
        _policy = policy;
        _log = log;
        _checked = checkedColumns;
    }

    public ViewSchema Schema => _inner.Schema;

    public ViewEngineChoice Engine => _inner.Engine;

    public bool KeepsNoBytes => _inner is IBorrowingView { KeepsNoBytes: true };

    public bool HasPrefilter => _inner is IPrefilteredView { HasPrefilter: true };

    public bool MayPass(ReadOnlySpan<byte> json, bool mayHoldEscapes = true, ReadOnlySpan<int> topLevelMembers = default) =>
        _inner is not IPrefilteredView view || view.MayPass(json, mayHoldEscapes, topLevelMembers);

    /// <summary>The view itself when every column is CHARACTER VARYING, otherwise the view checked.</summary>
    public static ICompiledView Over(ICompiledView view, int viewIndex, ErrorPolicy policy, MisfitLog log)
    {
        int[] checkedColumns = [.. view.Schema.Columns.Index().Where(c => c.Item.SqlType.Kind != SqlTypeKind.CharacterVarying).Select(c => c.Index)];
        return checkedColumns.Length == 0 ? view : new TypedView(view, viewIndex, policy, log, checkedColumns);
    }

    public IEnumerable<object?[]> Evaluate(ResourceLine resource)
    {
        foreach (object?[] row in _inner.Evaluate(resource))
        {
            foreach (int i in _checked)
            {
                if (row[i] is not null)
                {
                    row[i] = Checked(resource, i, row[i]!);
                }
            }

            yield return row;
        }
    }

    private object? Checked(ResourceLine resource, int index, object value)
    {
        ViewColumn column = Schema.Columns[index];
        if (!column.IsCollection || value is string || value is not IEnumerable items)
        {
            return SqlValues.TryConvert(column.SqlType, value, out _, out string? misfit) ? value : Misfit(resource, index, misfit!);
        }

        List<object?>? kept = null;
        int at = 0;
        foreach (object? item in items)
        {
            if (item is not null && !SqlValues.TryConvert(column.SqlType, item, out _, out string? misfit))
            {
                kept ??= [.. items.Cast<object?>()];
                kept[at] = Misfit(resource, index, misfit!);
            }

            at++;
        }

        return kept ?? value;
    }

    private object? Misfit(ResourceLine resource, int index, string reason)
    {
        ViewColumn column = Schema.Columns[index];
        if (_policy == ErrorPolicy.Fail)
        {
            throw new TableSinkException($"column '{column.Name}' ({column.SqlType}): {reason}");
        }

        _log.Add(_viewIndex, Schema, index, resource, reason);
        return null;
    }
}
