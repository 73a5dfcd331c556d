using System.Collections.Concurrent;
using FhirBulk.Ndjson;
using FhirBulk.Views;

namespace FhirBulk.Sync;

/// <summary>
/// A view whose rows end with the two key columns (<see cref="SyncTables.KeyColumns"/>), and which notes every resource it
/// is given in <paramref name="seen"/>: all of them lose their earlier rows, whatever they yield now. With
/// <paramref name="members"/> (Group level), rows of patients not among them are left out, as the Group's leavers' rows are.
/// </summary>
internal sealed class KeyedView(ICompiledView inner, ViewSchema schema, ConcurrentDictionary<string, byte> seen, IReadOnlySet<string>? members) : ICompiledView, IBorrowingView
{
    // The keys it adds are strings of their own.
    public bool KeepsNoBytes => inner is IBorrowingView { KeepsNoBytes: true };

    public ViewSchema Schema => schema;

    public ViewEngineChoice Engine => inner.Engine;

    public IEnumerable<object?[]> Evaluate(ResourceLine resource)
    {
        var key = ResourceKeys.Of(resource);
        seen.TryAdd(key, 0);
        var rows = inner.Evaluate(resource).ToList();
        if (rows.Count == 0)
        {
            return rows;
        }

        var patient = ResourceKeys.PatientOf(resource);
        if (patient is not null && members is not null && !members.Contains(patient))
        {
            return [];
        }

        return rows.Select(row => (object?[])[.. row, key, patient]);
    }
}
