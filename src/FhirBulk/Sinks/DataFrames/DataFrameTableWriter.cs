using System.Globalization;
using Microsoft.Data.Analysis;
using FhirBulk.Views;

namespace FhirBulk.Sinks.DataFrames;

/// <summary>Fills the columns of one <see cref="DataFrame"/>.</summary>
internal sealed class DataFrameTableWriter : ITableWriter
{
    private readonly DataFrameColumn[] _columns;
    private readonly Func<object?, object?>[] _converters;
    private readonly Action<object?>[] _appenders;
    private readonly object?[] _converted;
    private readonly Action<DataFrame> _onComplete;

    public DataFrameTableWriter(ViewSchema schema, Action<DataFrame> onComplete)
    {
        Schema = schema;
        _onComplete = onComplete;
        _columns = new DataFrameColumn[schema.Columns.Count];
        _converters = new Func<object?, object?>[schema.Columns.Count];
        _appenders = new Action<object?>[schema.Columns.Count];
        _converted = new object?[schema.Columns.Count];
        for (int i = 0; i < _columns.Length; i++)
        {
            (_columns[i], _converters[i], _appenders[i]) = CreateColumn(schema.Columns[i]);
        }
    }

    public ViewSchema Schema { get; }

    public long RowCount { get; private set; }

    public ValueTask WriteRowAsync(object?[] row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Length != _columns.Length)
        {
            throw new TableSinkException($"Table '{Schema.Name}' has {_columns.Length} columns but a row has {row.Length} values.");
        }

        // Every value is converted before any column grows, so a bad value leaves the columns aligned.
        for (int i = 0; i < row.Length; i++)
        {
            try
            {
                _converted[i] = _converters[i](row[i]);
            }
            catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
            {
                throw new TableSinkException($"Table '{Schema.Name}', column '{Schema.Columns[i].Name}': cannot store value '{SinkValues.ToCell(row[i])}': {ex.Message}", ex);
            }
        }

        for (int i = 0; i < row.Length; i++)
        {
            _appenders[i](_converted[i]);
        }

        RowCount++;
        return ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        _onComplete(new DataFrame(_columns));
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static (DataFrameColumn Column, Func<object?, object?> Convert, Action<object?> Append) CreateColumn(ViewColumn column)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        if (!column.IsCollection)
        {
            switch (column.FhirType)
            {
                case "boolean":
                    var booleans = new BooleanDataFrameColumn(column.Name);
                    return (booleans, v => v is null ? null : v is string s ? bool.Parse(s) : Convert.ToBoolean(v, inv), v => booleans.Append((bool?)v));
                case "integer" or "positiveInt" or "unsignedInt":
                    var ints = new Int32DataFrameColumn(column.Name);
                    return (ints, v => v is null ? null : Convert.ToInt32(v, inv), v => ints.Append((int?)v));
                case "integer64":
                    var longs = new Int64DataFrameColumn(column.Name);
                    return (longs, v => v is null ? null : Convert.ToInt64(v, inv), v => longs.Append((long?)v));
                case "decimal":
                    var decimals = new DecimalDataFrameColumn(column.Name);
                    return (decimals, v => v is null ? null : Convert.ToDecimal(v, inv), v => decimals.Append((decimal?)v));
            }
        }

        var strings = new StringDataFrameColumn(column.Name);
        return (strings, SinkValues.ToCell, v => strings.Append((string?)v));
    }
}
