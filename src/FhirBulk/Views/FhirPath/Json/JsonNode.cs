using System.Globalization;
using Hl7.Fhir.Introspection;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// An item of a FHIRPath collection on the JSON engine: either a span of the resource's UTF-8 bytes with its FHIR
/// type (and, for a primitive, the span of its <c>_x</c> twin holding id and extensions), or a value made during
/// evaluation (a literal, a constant, a key, a count). A primitive's value is read from the bytes on first use only.
/// </summary>
/// <remarks>
/// A node is also the collection holding only itself, so that the most common result, one item, needs no list.
/// </remarks>
internal sealed class JsonNode : IReadOnlyList<JsonNode>
{
    // Navigation makes a node per item it visits, most of a view's allocation: those nodes are reused from one
    // resource to the next on each thread (see Navigated and ReleaseItems), up to a bound past which they are left to the GC.
    private const int ReusedPerThread = 1 << 14;

    [ThreadStatic]
    private static List<JsonNode>? Reused;

    [ThreadStatic]
    private static int ReusedInUse;

    [ThreadStatic]
    private static JsonNode? ThreadRoot;

    private object? _value;
    private bool _valueRead;

    private JsonNode(ReadOnlyMemory<byte> json, int start, int end, int extensionStart, int extensionEnd, ClassMapping? type, PathValueKind kind)
    {
        Json = json;
        Start = start;
        End = end;
        ExtensionStart = extensionStart;
        ExtensionEnd = extensionEnd;
        Type = type;
        Kind = kind;
    }

    /// <summary>The resource's bytes (empty for a made value).</summary>
    public ReadOnlyMemory<byte> Json { get; private set; }

    /// <summary>Where the value starts, or -1 when there is none (a made value, or a primitive with only <c>_x</c>).</summary>
    public int Start { get; private set; }

    /// <summary>Where the value ends (exclusive).</summary>
    public int End { get; private set; }

    /// <summary>Where the <c>_x</c> twin's object starts, or -1.</summary>
    public int ExtensionStart { get; private set; }

    /// <summary>Where the <c>_x</c> twin's object ends (exclusive).</summary>
    public int ExtensionEnd { get; private set; }

    /// <summary>The FHIR type, or <see langword="null"/> for a made (System) value.</summary>
    public ClassMapping? Type { get; private set; }

    /// <summary>What kind of primitive this is, or <see cref="PathValueKind.None"/> for a complex value.</summary>
    public PathValueKind Kind { get; private set; }

    /// <summary>The top-level members of a resource root, indexed once; <see langword="null"/> for other nodes.</summary>
    public TopLevelIndex? Members { get; private set; }

    /// <summary>
    /// The primitive value: <see cref="string"/> (also for dates, times and instants, in the form the Firely engine
    /// gives), <see cref="bool"/>, <see cref="int"/>, <see cref="long"/> or <see cref="decimal"/>; <see langword="null"/>
    /// for a complex value or a primitive with only extensions.
    /// </summary>
    public object? Value
    {
        get
        {
            if (!_valueRead)
            {
                _value = Start < 0 || Kind == PathValueKind.None ? null : Read();
                _valueRead = true;
            }

            return _value;
        }
    }

    /// <summary>One: the node as a collection of itself.</summary>
    public int Count => 1;

    /// <summary>The node itself, at index 0.</summary>
    public JsonNode this[int index] => index == 0 ? this : throw new ArgumentOutOfRangeException(nameof(index));

    /// <inheritdoc/>
    public IEnumerator<JsonNode> GetEnumerator()
    {
        yield return this;
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The node of a JSON value of FHIR type <paramref name="type"/>.</summary>
    public static JsonNode FromJson(ReadOnlyMemory<byte> json, int start, int end, int extensionStart, int extensionEnd, ClassMapping type) =>
        new(json, start, end, extensionStart, extensionEnd, type, KindOf(type));

    /// <summary>
    /// The node of an item that navigation found in a resource's bytes: as <see cref="FromJson"/>, but taken from this
    /// thread's reused nodes, so it is valid only until <see cref="ReleaseItems"/> is next called on this thread.
    /// <paramref name="kind"/> is <see cref="KindOf"/> of <paramref name="type"/>, worked out once per element by the caller.
    /// </summary>
    public static JsonNode Navigated(ReadOnlyMemory<byte> json, int start, int end, int extensionStart, int extensionEnd, ClassMapping type, PathValueKind kind)
    {
        if (Reuse() is not { } node)
        {
            return Keep(new JsonNode(json, start, end, extensionStart, extensionEnd, type, kind));
        }

        node.Json = json;
        node.Start = start;
        node.End = end;
        node.ExtensionStart = extensionStart;
        node.ExtensionEnd = extensionEnd;
        node.Type = type;
        node.Kind = kind;
        node._value = null;
        node._valueRead = false;
        return node;
    }

    // The next reused node of this thread, or null when every one is in use.
    private static JsonNode? Reuse()
    {
        var reused = Reused ??= [];
        return ReusedInUse < reused.Count ? reused[ReusedInUse++] : null;
    }

    // Keeps a new node for reuse, while this thread holds fewer than the bound.
    private static JsonNode Keep(JsonNode node)
    {
        var reused = Reused!;
        if (reused.Count < ReusedPerThread)
        {
            reused.Add(node);
            ReusedInUse++;
        }

        return node;
    }

    /// <summary>
    /// A value made while evaluating (a key, a count): as <see cref="Made(PathValueKind, object)"/>, but taken from
    /// this thread's reused nodes like <see cref="Navigated"/>, and valid as long.
    /// </summary>
    public static JsonNode Computed(PathValueKind kind, object value)
    {
        var node = Reuse() ?? Keep(Made(kind, value));
        node.Json = ReadOnlyMemory<byte>.Empty;
        node.Start = node.End = node.ExtensionStart = node.ExtensionEnd = -1;
        node.Type = null;
        node.Kind = kind;
        node._value = value;
        node._valueRead = true;
        return node;
    }

    /// <summary>
    /// Lets this thread reuse the nodes <see cref="Navigated"/> gave out: called when a view starts on a resource, once
    /// nothing holds a node of the previous evaluation (rows hold values, never nodes).
    /// </summary>
    public static void ReleaseItems() => ReusedInUse = 0;

    /// <summary>The root node of a resource.</summary>
    public static JsonNode Root(ReadOnlyMemory<byte> json, ClassMapping type, TopLevelIndex members) =>
        new(json, 0, json.Length, -1, -1, type, PathValueKind.None) { Members = members };

    /// <summary>
    /// The root node of a resource that one view evaluates: as <see cref="Root"/>, but this thread's own node, which
    /// the next call on this thread overwrites.
    /// </summary>
    public static JsonNode RootForThisThread(ReadOnlyMemory<byte> json, ClassMapping type, TopLevelIndex members)
    {
        if (ThreadRoot is not { } node)
        {
            return ThreadRoot = Root(json, type, members);
        }

        node.Json = json;
        node.Start = 0;
        node.End = json.Length;
        node.ExtensionStart = node.ExtensionEnd = -1;
        node.Type = type;
        node.Kind = PathValueKind.None;
        node.Members = members;
        node._value = null;
        node._valueRead = false;
        return node;
    }

    /// <summary>A value made during evaluation, of System type <paramref name="kind"/>.</summary>
    public static JsonNode Made(PathValueKind kind, object value) =>
        new(ReadOnlyMemory<byte>.Empty, -1, -1, -1, -1, null, kind) { _value = value, _valueRead = true };

    /// <summary>A made value of a FHIR type (a primitive of the resource that the Firely fallback gave).</summary>
    public static JsonNode Made(ClassMapping type, object value) =>
        new(ReadOnlyMemory<byte>.Empty, -1, -1, -1, -1, type, KindOf(type)) { _value = value, _valueRead = true };

    /// <summary>Whether the node is a primitive with a value (what <c>hasValue()</c> and comparisons need).</summary>
    public bool HasValue => Kind != PathValueKind.None && Value is not null;

    /// <summary>The FHIRPath type name of the node (<c>Quantity</c>, <c>dateTime</c>, or a System name for a made value).</summary>
    public string TypeName => Type?.Name ?? Kind.ToString();

    /// <summary>The value as Firely's FHIRPath type, for comparisons (which then follow Firely's rules exactly).</summary>
    public P.Any? ToAny() => Value switch
    {
        null => null,
        bool b => new P.Boolean(b),
        int i => new P.Integer(i),
        long l => new P.Long(l),
        decimal d => new P.Decimal(d),
        P.Quantity q => q,
        string s => Kind switch
        {
            PathValueKind.Date => P.Date.TryParse(s, out var date) ? date : null,
            PathValueKind.DateTime or PathValueKind.Instant => P.DateTime.TryParse(s, out var dateTime) ? dateTime : null,
            PathValueKind.Time => P.Time.TryParse(s, out var time) ? time : null,
            _ => new P.String(s),
        },
        _ => null,
    };

    /// <summary>The kind of value a node of <paramref name="type"/> holds: <see cref="PathValueKind.None"/> unless it is a FHIR primitive.</summary>
    public static PathValueKind KindOf(ClassMapping type) => !type.IsFhirPrimitive ? PathValueKind.None : type.Name switch
    {
        "boolean" => PathValueKind.Boolean,
        "integer" or "positiveInt" or "unsignedInt" => PathValueKind.Integer,
        "integer64" => PathValueKind.Long,
        "decimal" => PathValueKind.Decimal,
        "date" => PathValueKind.Date,
        "dateTime" => PathValueKind.DateTime,
        "instant" => PathValueKind.Instant,
        "time" => PathValueKind.Time,
        _ => PathValueKind.String,
    };

    private object? Read()
    {
        var json = Json.Span;
        if (JsonText.IsNull(json, Start))
        {
            return null;
        }

        var isString = json[Start] == (byte)'"';
        return Kind switch
        {
            PathValueKind.Boolean => json[Start] == (byte)'t',

            // Firely reads what the JSON holds: a number written 1.0 for an integer element stays a decimal.
            PathValueKind.Integer when !isString && json[Start..End].IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0 => JsonText.ParseDecimal(json, Start, End),
            PathValueKind.Integer when !isString => checked((int)JsonText.ParseInteger(json, Start, End)),
            PathValueKind.Long => JsonText.ParseInteger(json, Start, End),
            PathValueKind.Decimal when !isString => JsonText.ParseDecimal(json, Start, End),
            PathValueKind.Instant => Instant(JsonText.DecodeString(json, Start, End)),
            _ => JsonText.Text(json, Start, End),
        };
    }

    // Firely holds an instant as a DateTimeOffset and writes it back in its own form (Z becomes +00:00, trailing zero
    // fractions go); the JSON engine gives the same text, so an instant is the one value that is parsed on the way out.
    private static string Instant(string text) =>
        text.Contains('T', StringComparison.Ordinal) &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? P.DateTime.FormatDateTimeOffset(value)
            : text;
}

/// <summary>What kind of value a node holds, which decides how its bytes are read and compared.</summary>
internal enum PathValueKind
{
    /// <summary>A complex value (an object): no value of its own.</summary>
    None,

    /// <summary>Strings, codes, ids, uris and the other string-like primitives.</summary>
    String,

    /// <summary>A boolean.</summary>
    Boolean,

    /// <summary>A 32-bit integer (integer, positiveInt, unsignedInt).</summary>
    Integer,

    /// <summary>A 64-bit integer (integer64).</summary>
    Long,

    /// <summary>A decimal.</summary>
    Decimal,

    /// <summary>A date, possibly partial.</summary>
    Date,

    /// <summary>A dateTime, possibly partial.</summary>
    DateTime,

    /// <summary>An instant (a dateTime to the second or finer).</summary>
    Instant,

    /// <summary>A time.</summary>
    Time,

    /// <summary>A Quantity literal (<c>5 'mg'</c>), held as Firely's quantity type.</summary>
    Quantity,
}
