using System.Globalization;
using System.Text.RegularExpressions;

namespace FhirBulk.Views;

/// <summary>The kinds of ISO/IEC 9075 (ANSI SQL) column type a view's table can have.</summary>
public enum SqlTypeKind
{
    /// <summary><c>CHARACTER VARYING</c> (<c>VARCHAR</c>): text, and FHIR values in their exact FHIR string form.</summary>
    CharacterVarying,

    /// <summary><c>BOOLEAN</c>.</summary>
    Boolean,

    /// <summary><c>INT</c> (<c>INTEGER</c>): a 32-bit integer.</summary>
    Integer,

    /// <summary><c>BIGINT</c>: a 64-bit integer.</summary>
    BigInt,

    /// <summary><c>DECIMAL(p,s)</c> (<c>NUMERIC(p,s)</c>): an exact number of at most p digits, s of them after the point.</summary>
    Decimal,

    /// <summary><c>DOUBLE</c> (<c>DOUBLE PRECISION</c>, <c>FLOAT</c>): an IEEE 754 binary double, about 15 significant digits.</summary>
    Double,

    /// <summary><c>DATE</c>: a whole day.</summary>
    Date,

    /// <summary><c>TIME</c>: a time of day, to the microsecond.</summary>
    Time,

    /// <summary><c>TIMESTAMP</c> (without time zone): a date and time to the microsecond, read as UTC.</summary>
    Timestamp,

    /// <summary><c>TIMESTAMP WITH TIME ZONE</c>: an instant, to the microsecond.</summary>
    TimestampWithTimeZone,

    /// <summary><c>BINARY</c> (<c>VARBINARY</c>, <c>BLOB</c>): bytes.</summary>
    Binary,
}

/// <summary>
/// The SQL type of a column: the SQL-on-FHIR default for its FHIR type (<see cref="ForFhirType"/>), or the one a view asks
/// for with the column tag <c>ansi/type</c> (<see cref="Parse"/>).
/// </summary>
/// <param name="Kind">The kind of type.</param>
/// <param name="Precision">For <see cref="SqlTypeKind.Decimal"/>, the total number of digits (1 to 38); 0 otherwise.</param>
/// <param name="Scale">For <see cref="SqlTypeKind.Decimal"/>, the digits after the point (0 to <paramref name="Precision"/>); 0 otherwise.</param>
/// <remarks>
/// SQL-on-FHIR v2, ViewDefinition, "Default Type Mappings": <c>boolean</c> is BOOLEAN; <c>integer</c>, <c>positiveInt</c> and
/// <c>unsignedInt</c> are INT; <c>integer64</c> is BIGINT; <c>instant</c> is TIMESTAMP WITH TIME ZONE; <c>base64Binary</c>
/// is BINARY; everything else, <c>decimal</c>, <c>date</c>, <c>dateTime</c> and <c>time</c> included, is CHARACTER VARYING
/// in its exact FHIR string form, because FHIR allows values no native type holds unchanged: partial dates
/// (<c>2012-03</c>), dateTimes without a time, decimals of any precision (<c>1.250</c> is not <c>1.25</c>).
/// </remarks>
public sealed partial record SqlType(SqlTypeKind Kind, int Precision = 0, int Scale = 0)
{
    /// <summary>The largest <see cref="Precision"/> of a DECIMAL: what DuckDB, Parquet, Spark and most databases hold.</summary>
    public const int MaxDecimalPrecision = 38;

    /// <summary>The name of the column tag that overrides a column's default type (SQL-on-FHIR v2, "Overriding Default Type Mappings").</summary>
    public const string TagName = "ansi/type";

    /// <summary>CHARACTER VARYING.</summary>
    public static readonly SqlType CharacterVarying = new(SqlTypeKind.CharacterVarying);

    // The defaults other than CHARACTER VARYING, made once: ForFhirType runs for every column a sink looks at.
    private static readonly SqlType BooleanDefault = new(SqlTypeKind.Boolean);
    private static readonly SqlType IntegerDefault = new(SqlTypeKind.Integer);
    private static readonly SqlType BigIntDefault = new(SqlTypeKind.BigInt);
    private static readonly SqlType InstantDefault = new(SqlTypeKind.TimestampWithTimeZone);
    private static readonly SqlType BinaryDefault = new(SqlTypeKind.Binary);

    private static readonly Dictionary<string, SqlTypeKind> Names = new(StringComparer.Ordinal)
    {
        ["CHARACTER VARYING"] = SqlTypeKind.CharacterVarying,
        ["CHAR VARYING"] = SqlTypeKind.CharacterVarying,
        ["VARCHAR"] = SqlTypeKind.CharacterVarying,
        ["BOOLEAN"] = SqlTypeKind.Boolean,
        ["INT"] = SqlTypeKind.Integer,
        ["INTEGER"] = SqlTypeKind.Integer,
        ["BIGINT"] = SqlTypeKind.BigInt,
        ["DECIMAL"] = SqlTypeKind.Decimal,
        ["DEC"] = SqlTypeKind.Decimal,
        ["NUMERIC"] = SqlTypeKind.Decimal,
        ["DOUBLE"] = SqlTypeKind.Double,
        ["DOUBLE PRECISION"] = SqlTypeKind.Double,
        ["FLOAT"] = SqlTypeKind.Double,
        ["DATE"] = SqlTypeKind.Date,
        ["TIME"] = SqlTypeKind.Time,
        ["TIME WITHOUT TIME ZONE"] = SqlTypeKind.Time,
        ["TIMESTAMP"] = SqlTypeKind.Timestamp,
        ["TIMESTAMP WITHOUT TIME ZONE"] = SqlTypeKind.Timestamp,
        ["TIMESTAMP WITH TIME ZONE"] = SqlTypeKind.TimestampWithTimeZone,
        ["TIMESTAMPTZ"] = SqlTypeKind.TimestampWithTimeZone,
        ["BINARY"] = SqlTypeKind.Binary,
        ["VARBINARY"] = SqlTypeKind.Binary,
        ["BINARY VARYING"] = SqlTypeKind.Binary,
        ["BLOB"] = SqlTypeKind.Binary,
    };

    /// <summary>The default type of a column of FHIR type <paramref name="fhirType"/> (SQL-on-FHIR v2, "Default Type Mappings").</summary>
    /// <param name="fhirType">The column's FHIR type, or <see langword="null"/> when unknown.</param>
    /// <param name="isCollection">
    /// Whether the column holds lists. A list of <c>base64Binary</c> is CHARACTER VARYING (its base64 text): DuckDB's
    /// appender, through which the DuckDB and Parquet sinks write, stores no list of BINARY (see <see cref="SupportsLists"/>).
    /// </param>
    /// <returns>The SQL type (of each item, for a collection); CHARACTER VARYING for an unknown type.</returns>
    public static SqlType ForFhirType(string? fhirType, bool isCollection = false) => fhirType switch
    {
        "base64Binary" when isCollection => CharacterVarying,
        "boolean" => BooleanDefault,
        "integer" or "positiveInt" or "unsignedInt" => IntegerDefault,
        "integer64" => BigIntDefault,
        "instant" => InstantDefault,
        "base64Binary" => BinaryDefault,
        _ => CharacterVarying,
    };

    /// <summary>Reads an ANSI type name as a view's <c>ansi/type</c> tag gives it, e.g. <c>DATE</c> or <c>DECIMAL(38, 9)</c>.</summary>
    /// <param name="text">The type; case and spacing do not matter.</param>
    /// <returns>The type.</returns>
    /// <exception cref="FormatException">The text is not a type this library stores; the message lists those it does.</exception>
    public static SqlType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Match match = TypeText().Match(text);
        string name = match.Success ? Spaces().Replace(match.Groups["name"].Value.ToUpperInvariant(), " ") : string.Empty;
        if (!Names.TryGetValue(name, out SqlTypeKind kind))
        {
            throw new FormatException(
                $"'{text}' is not a SQL type FhirBulk stores; use one of BOOLEAN, INT, BIGINT, DECIMAL(p,s), DOUBLE, DATE, TIME, TIMESTAMP, TIMESTAMP WITH TIME ZONE, CHARACTER VARYING, BINARY");
        }

        bool hasArguments = match.Groups["p"].Success;
        if (kind != SqlTypeKind.Decimal)
        {
            return hasArguments
                ? throw new FormatException($"'{text}': {name} takes no length or precision here (a CHARACTER VARYING or BINARY of any length is stored whole)")
                : new SqlType(kind);
        }

        if (!hasArguments)
        {
            throw new FormatException($"'{text}': give DECIMAL its precision and scale, e.g. DECIMAL(38,9); databases disagree on the default");
        }

        int precision = int.Parse(match.Groups["p"].Value, CultureInfo.InvariantCulture);
        int scale = match.Groups["s"].Success ? int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture) : 0;
        if (precision is < 1 or > MaxDecimalPrecision || scale > precision)
        {
            throw new FormatException($"'{text}': DECIMAL(p,s) needs 1 <= p <= {MaxDecimalPrecision} and 0 <= s <= p");
        }

        return new SqlType(SqlTypeKind.Decimal, precision, scale);
    }

    /// <summary>Whether a collection column can have this type: every type but BINARY, of which no LIST can be written.</summary>
    public bool SupportsLists => Kind != SqlTypeKind.Binary;

    /// <summary>The ANSI spelling: <c>CHARACTER VARYING</c>, <c>INT</c>, <c>DECIMAL(38,9)</c>, <c>TIMESTAMP WITH TIME ZONE</c>, …</summary>
    /// <returns>The type's name, which <see cref="Parse"/> reads back.</returns>
    public override string ToString() => Kind switch
    {
        SqlTypeKind.CharacterVarying => "CHARACTER VARYING",
        SqlTypeKind.Boolean => "BOOLEAN",
        SqlTypeKind.Integer => "INT",
        SqlTypeKind.BigInt => "BIGINT",
        SqlTypeKind.Decimal => string.Create(CultureInfo.InvariantCulture, $"DECIMAL({Precision},{Scale})"),
        SqlTypeKind.Double => "DOUBLE",
        SqlTypeKind.Date => "DATE",
        SqlTypeKind.Time => "TIME",
        SqlTypeKind.Timestamp => "TIMESTAMP",
        SqlTypeKind.TimestampWithTimeZone => "TIMESTAMP WITH TIME ZONE",
        SqlTypeKind.Binary => "BINARY",
        _ => throw new InvalidOperationException($"Unknown SQL type kind {Kind}."),
    };

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z]+(?:\s+[A-Za-z]+)*)\s*(?:\(\s*(?<p>\d{1,3})\s*(?:,\s*(?<s>\d{1,3})\s*)?\))?\s*$")]
    private static partial Regex TypeText();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
