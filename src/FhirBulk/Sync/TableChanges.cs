namespace FhirBulk.Sync;

/// <summary>What one sync did to one table, counted in rows.</summary>
/// <param name="Added">Rows of resources that had no rows in the table before (new resources, or ones that now pass the view's filters).</param>
/// <param name="Replaced">Rows of resources that had rows before: their new version's rows, which took the place of the old ones (there may be more or fewer).</param>
/// <param name="Deleted">
/// Rows removed without a successor: of resources the increment lists as deleted, of resources whose new version yields no
/// row, and at Group level of patients who left the Group.
/// </param>
public sealed record TableChanges(long Added, long Replaced, long Deleted)
{
    /// <summary>No change.</summary>
    public static TableChanges None { get; } = new(0, 0, 0);

    /// <summary>The changes of two increments applied one after the other, added up.</summary>
    public static TableChanges operator +(TableChanges left, TableChanges right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new(left.Added + right.Added, left.Replaced + right.Replaced, left.Deleted + right.Deleted);
    }

    /// <summary>Adds up, as <c>+</c> does (for languages without operators).</summary>
    public static TableChanges Add(TableChanges left, TableChanges right) => left + right;
}
