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
            (_columns[i], _converters[i], _appenders[i]) = CreateColumn(schema, i);
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
            _converted[i] = _converters[i](row[i]);
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

    private static (DataFrameColumn Column, Func<object?, object?> Convert, Action<object?> Append) CreateColumn(ViewSchema schema, int index)
    {
        ViewColumn column = schema.Columns[index];
        object? Convert(object? value) => SqlValues.ConvertForSink(schema, index, value);
        if (column.IsCollection)
        {
            // DataFrames have no list columns: a collection is its JSON array text, as in CSV.
            var lists = new StringDataFrameColumn(column.Name);
            return (lists, v => SinkValues.ToCell(Convert(v)), v => lists.Append((string?)v));
        }

        return column.SqlType.Kind switch
        {
            SqlTypeKind.Boolean => Typed(new BooleanDataFrameColumn(column.Name), Convert),
            SqlTypeKind.Integer => Typed(new Int32DataFrameColumn(column.Name), Convert),
            SqlTypeKind.BigInt => Typed(new Int64DataFrameColumn(column.Name), Convert),
            SqlTypeKind.Decimal => Typed(new DecimalDataFrameColumn(column.Name), Convert),
            SqlTypeKind.Double => Typed(new DoubleDataFrameColumn(column.Name), Convert),
            SqlTypeKind.Date => Typed(new PrimitiveDataFrameColumn<DateOnly>(column.Name), Convert),
            SqlTypeKind.Time => Typed(new PrimitiveDataFrameColumn<TimeOnly>(column.Name), Convert),
            SqlTypeKind.Timestamp => Typed(new DateTimeDataFrameColumn(column.Name), Convert),
            SqlTypeKind.TimestampWithTimeZone => Typed(new PrimitiveDataFrameColumn<DateTimeOffset>(column.Name), Convert),
            // Bytes have no primitive column either: base64, their FHIR form.
            SqlTypeKind.Binary => Text(column.Name, v => SinkValues.ToCell(Convert(v))),
            _ => Text(column.Name, Convert),
        };
    }

    private static (DataFrameColumn, Func<object?, object?>, Action<object?>) Typed<T>(PrimitiveDataFrameColumn<T> column, Func<object?, object?> convert)
        where T : unmanaged =>
        (column, convert, v => column.Append((T?)v));

    private static (DataFrameColumn, Func<object?, object?>, Action<object?>) Text(string name, Func<object?, object?> convert)
    {
        var strings = new StringDataFrameColumn(name);
        return (strings, convert, v => strings.Append((string?)v));
    }
}
