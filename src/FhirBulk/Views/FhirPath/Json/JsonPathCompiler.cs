using System.Globalization;
using System.Text.RegularExpressions;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Introspection;
using Hl7.FhirPath.Expressions;
using Hl7.FhirPath.Functions;
using Expression = Hl7.FhirPath.Expressions.Expression;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>A compiled (sub)expression: the collection it gives in an evaluation context.</summary>
internal delegate IReadOnlyList<JsonNode> JsonEval(JsonEnv env);

/// <summary>
/// The context an expression is evaluated in: the run (resource, constants, <c>%rowIndex</c>) and the focus
/// (<c>$this</c>). Function arguments see the focus of the expression they appear in, as FHIRPath requires; only
/// <c>where</c>, <c>select</c>, <c>exists</c>, <c>all</c> and <c>repeat</c> give their argument each input item instead.
/// </summary>
/// <remarks>A struct: one is made per evaluation and per item of <c>where</c>, and none outlives its call.</remarks>
internal readonly struct JsonEnv(JsonRun run, IReadOnlyList<JsonNode> focus)
{
    public JsonRun Run => run;

    public IReadOnlyList<JsonNode> Focus => focus;
}

/// <summary>
/// Turns a parsed FHIRPath expression (Firely's AST) into a tree of delegates over <see cref="JsonNode"/>s, once.
/// Anything outside what it covers raises <see cref="JsonPathUnsupportedException"/> at compile time, so that the view
/// falls back to the Firely engine; it never guesses. Primitive comparisons are Firely's own operators
/// (<see cref="EqualityOperators"/>) on Firely's value types, so precision, equivalence and ordering rules match the
/// oracle exactly.
/// </summary>
internal sealed class JsonPathCompiler(IReadOnlyDictionary<string, JsonNode> constants)
{
    private static readonly IReadOnlyList<JsonNode> Empty = [];
    private static readonly IReadOnlyList<JsonNode> True = [JsonNode.Made(PathValueKind.Boolean, true)];
    private static readonly IReadOnlyList<JsonNode> False = [JsonNode.Made(PathValueKind.Boolean, false)];

    // Collects a child step's items; a step's navigation never evaluates another expression, so one list per thread
    // serves every step, and the result leaves as the node itself (one item) or an exact array.
    [ThreadStatic]
    private static List<JsonNode>? Scratch;

    // Lists for the results of where/select/exists, one per nesting level (see Iterate).
    [ThreadStatic]
    private static Stack<List<JsonNode>>? CollectPool;

    // Holds the one child a helper reads (an id, a url, a reference); read before the next use.
    [ThreadStatic]
    private static List<JsonNode>? OneChild;

    private static readonly Dictionary<string, string> WellKnownVariables = new(StringComparer.Ordinal)
    {
        ["ucum"] = "http://unitsofmeasure.org",
        ["sct"] = "http://snomed.info/sct",
        ["loinc"] = "http://loinc.org",
    };

    /// <summary>
    /// Whether <paramref name="expression"/> is the focus itself: Firely's parser writes the implicit input of a path
    /// (<c>name</c> in <c>name.given</c>) as the axis <c>that</c> and <c>$this</c> as <c>this</c>, each also under the
    /// <c>builtin.</c> prefix.
    /// </summary>
    internal static bool IsFocus(Expression expression) =>
        expression is AxisExpression { AxisName: "that" or "this" or "builtin.that" or "builtin.this" };

    // The navigation prefixes compiled so far (see Shared), by their text relative to the focus.
    private readonly Dictionary<string, SharedPrefix> _prefixes = new(StringComparer.Ordinal);

    /// <summary>Compiles <paramref name="expression"/>.</summary>
    /// <exception cref="JsonPathUnsupportedException">It uses something this engine leaves to Firely.</exception>
    public JsonEval Compile(Expression expression) => Shared(expression, CompileOnce(expression));

    private JsonEval CompileOnce(Expression expression) => expression switch
    {
        var focus when IsFocus(focus) => static env => env.Focus,
        AxisExpression axis => throw Unsupported($"${axis.AxisName}"),
        VariableRefExpression variable => Variable(variable.Name),
        ConstantExpression constant => Constant(constant.Value),
        ChildExpression child => Child(child),
        IndexerExpression indexer => Indexer(indexer),
        BinaryExpression binary => Binary(binary),
        UnaryExpression unary => Unary(unary),
        FunctionCallExpression call => Function(call),
        BracketExpression bracket => Compile(bracket.Operand),
        NewNodeListInitExpression list when !list.Contents.Any() => static _ => Empty,
        _ => throw Unsupported($"the construct '{expression.GetType().Name}'"),
    };

    private static JsonPathUnsupportedException Unsupported(string what) => new($"{what} is not on the JSON path");

    /// <summary>
    /// A navigation that more than one of the view's expressions start with (<c>type.first().coding.first()</c> in
    /// <c>….code</c> and <c>….display</c>; <c>period</c> in <c>period.start</c> and <c>period.end</c>) is evaluated once
    /// per focus and resource: the first expression to need it keeps its result in the run (<see cref="JsonRun.Shared"/>),
    /// and the others read it there. Only member steps, <c>first()</c> and <c>ofType()</c> are shared: they depend on
    /// nothing but their focus, never fail, and give collections nothing changes afterwards (the node itself, an exact
    /// array, or empty).
    /// </summary>
    private JsonEval Shared(Expression expression, JsonEval eval)
    {
        if (NavigationText(expression) is not { } text || text.Length == 0)
        {
            return eval;
        }

        if (_prefixes.TryGetValue(text, out var prefix))
        {
            prefix.IsShared = true;
        }
        else
        {
            _prefixes[text] = prefix = new SharedPrefix(_prefixes.Count);
        }

        // Whether another expression shares the prefix is known only once the view has compiled: until a second one
        // does, evaluating it costs one field read more than not sharing.
        return env => prefix.IsShared ? env.Run.Shared(prefix.Slot, _prefixes.Count, env, eval) : eval(env);
    }

    // The text of a path of member steps, first() and ofType() from the focus ("" for the focus itself), or null for
    // anything else.
    private static string? NavigationText(Expression expression) => expression switch
    {
        var focus when IsFocus(focus) => "",
        BracketExpression bracket => NavigationText(bracket.Operand),
        ChildExpression child when child.ChildName.Length > 0 && char.IsLower(child.ChildName[0])
            && NavigationText(child.Focus) is { } parent => parent + "." + child.ChildName,
        FunctionCallExpression { FunctionName: "first", Focus: { } focus } call when !call.Arguments.Any()
            && NavigationText(focus) is { } parent => parent + ".first()",
        FunctionCallExpression { FunctionName: "ofType", Focus: { } focus } call when call.Arguments.Count() == 1
            && TypeSpecifiers.Name(call.Arguments.Single()) is { } type && NavigationText(focus) is { } parent => parent + ".ofType(" + type + ")",
        _ => null,
    };

    private sealed class SharedPrefix(int slot)
    {
        public int Slot => slot;

        public bool IsShared { get; set; }
    }

    private JsonEval Variable(string name)
    {
        if (name is "resource" or "rootResource")
        {
            return static env => [env.Run.Resource];
        }

        if (name == FirelyPathEngine.RowIndexVariable)
        {
            return static env => JsonNode.Computed(PathValueKind.Integer, env.Run.RowIndex);
        }

        if (constants.TryGetValue(name, out var node))
        {
            IReadOnlyList<JsonNode> value = [node];
            return _ => value;
        }

        if (WellKnownVariables.TryGetValue(name, out var url))
        {
            IReadOnlyList<JsonNode> value = [JsonNode.Made(PathValueKind.String, url)];
            return _ => value;
        }

        throw Unsupported($"%{name}");
    }

    private static JsonEval Constant(object? value)
    {
        JsonNode node = value switch
        {
            string s => JsonNode.Made(PathValueKind.String, s),
            bool b => JsonNode.Made(PathValueKind.Boolean, b),
            int i => JsonNode.Made(PathValueKind.Integer, i),
            long l => JsonNode.Made(PathValueKind.Long, l),
            decimal d => JsonNode.Made(PathValueKind.Decimal, d),
            P.Date date => JsonNode.Made(PathValueKind.Date, date.ToString()),
            P.DateTime dateTime => JsonNode.Made(PathValueKind.DateTime, dateTime.ToString()),
            P.Time time => JsonNode.Made(PathValueKind.Time, time.ToString()),
            P.Quantity quantity => JsonNode.Made(PathValueKind.Quantity, quantity),
            _ => throw Unsupported($"the literal {value}"),
        };
        IReadOnlyList<JsonNode> result = [node];
        return _ => result;
    }

    private JsonEval Child(ChildExpression child)
    {
        // An initial capital is a type name (Patient.name), which FHIRPath treats as a type filter.
        if (child.ChildName.Length == 0 || char.IsUpper(child.ChildName[0]))
        {
            throw Unsupported($"the type prefix '{child.ChildName}'");
        }

        var focus = Compile(child.Focus);
        var name = child.ChildName;

        // A step nearly always sees parents of one type: the element it names is looked up once per type, not per node.
        LastElement? last = null;
        return env =>
        {
            var input = focus(env);
            var output = Scratch ??= new List<JsonNode>();
            output.Clear();

            // One node, the commonest input, is its own collection: read as the node, not through the list interface.
            if (input is JsonNode one)
            {
                Step(one, name, ref last, output);
                return Exact(output);
            }

            var count = input.Count;
            if (count == 0)
            {
                return Empty;
            }

            for (var i = 0; i < count; i++)
            {
                Step(input[i], name, ref last, output);
            }

            return Exact(output);
        };
    }

    // The items of element name of node, added to output; last holds the element looked up for the last type seen.
    private static void Step(JsonNode node, string name, ref LastElement? last, List<JsonNode> output)
    {
        if (node.Type is not { } type)
        {
            return;
        }

        var cached = last;
        if (cached is null || !ReferenceEquals(cached.Type, type))
        {
            cached = last = new LastElement(type, JsonModel.Element(type, name));
        }

        if (cached.Element is { } element)
        {
            JsonNavigation.Children(node, element, output);
        }
    }

    private JsonEval Indexer(IndexerExpression indexer)
    {
        var focus = Compile(indexer.Focus);
        var index = Compile(indexer.Index);
        return env =>
        {
            var input = focus(env);
            if (Integer(index(env), "an index") is not { } i)
            {
                return Empty;
            }

            return i >= 0 && i < input.Count ? input[(int)i] : Empty;
        };
    }

    private JsonEval Unary(UnaryExpression unary)
    {
        var operand = unary.Arguments.Single();
        if (unary.Op == "-" && operand is ConstantExpression { Value: int or long or decimal } constant)
        {
            return Constant(constant.Value switch
            {
                int i => -i,
                long l => -l,
                decimal d => (object)-d,
                _ => throw new InvalidOperationException(),
            });
        }

        if (unary.Op == "+" && operand is ConstantExpression { Value: int or long or decimal })
        {
            return Compile(operand);
        }

        throw Unsupported($"the unary operator '{unary.Op}'");
    }

    private JsonEval Binary(BinaryExpression binary)
    {
        var operands = binary.Arguments.ToList();
        if (operands.Count != 2)
        {
            throw Unsupported($"the operator '{binary.Op}'");
        }

        if (binary.Op is "is" or "as")
        {
            var test = TypeArgument(operands[1], binary.Op);
            var input = Compile(operands[0]);
            return binary.Op == "is" ? env => Is(input(env), test) : env => As(input(env), test);
        }

        var left = Compile(operands[0]);
        var right = Compile(operands[1]);
        return binary.Op switch
        {
            "=" or "!=" when operands[1] is ConstantExpression { Value: string text } => EqualToText(left, right, text, binary.Op == "!="),
            "=" => env => Bool(Equal(left(env), right(env))),
            "!=" => env => Bool(Not(Equal(left(env), right(env)))),
            "~" => env => Bool(Equivalent(left(env), right(env))),
            "!~" => env => Bool(!Equivalent(left(env), right(env))),
            "<" or ">" or "<=" or ">=" => Comparison(left, right, binary.Op),
            // The right operand is not evaluated where the left decides (false and …, true or …, false implies …), as
            // Firely does: otherwise a right operand that fails (single() of two items) would fail here only.
            "and" => env => ToBoolean(left(env)) is var a && a == false ? False : Bool(And(a, ToBoolean(right(env)))),
            "or" => env => ToBoolean(left(env)) is var a && a == true ? True : Bool(Or(a, ToBoolean(right(env)))),
            "xor" => env => Bool(Xor(ToBoolean(left(env)), ToBoolean(right(env)))),
            "implies" => env => ToBoolean(left(env)) is var a && a == false ? True : Bool(Implies(a, ToBoolean(right(env)))),
            "|" => env => Union(left(env), right(env)),
            _ => throw Unsupported($"the operator '{binary.Op}'"),
        };
    }

    // = against a string literal, the commonest filter (system = '…'): one JSON string without escapes is compared to
    // the literal as UTF-8 bytes, making no string; anything else is compared the general way.
    private static JsonEval EqualToText(JsonEval left, JsonEval right, string text, bool negate)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        return env =>
        {
            var items = left(env);
            if (items.Count == 1 && items[0] is { Kind: PathValueKind.String, Start: >= 0 } node)
            {
                var json = node.Json.Span;
                if (json[node.Start] == (byte)'"' && node.End - node.Start >= 2)
                {
                    var raw = json[(node.Start + 1)..(node.End - 1)];
                    if (!raw.Contains((byte)'\\'))
                    {
                        return Bool(raw.SequenceEqual(utf8) != negate);
                    }
                }
            }

            var equal = Equal(items, right(env));
            return Bool(negate ? Not(equal) : equal);
        };
    }

    private static JsonEval Comparison(JsonEval left, JsonEval right, string op) => env =>
    {
        var l = Single(left(env), op);
        var r = Single(right(env), op);
        var lq = l is null ? null : Quantity(l);
        var rq = r is null ? null : Quantity(r);
        if (l is not null && r is not null && (lq is not null || rq is not null))
        {
            var order = lq is { } a1 && rq is { } b1 ? QuantityComparison.Compare(a1.Value, a1.Unit, b1.Value, b1.Unit) : null;
            return order is { } o ? Bool(op switch { "<" => o < 0, ">" => o > 0, "<=" => o <= 0, _ => o >= 0 }) : Empty;
        }

        if (l?.ToAny() is not { } a || r?.ToAny() is not { } b)
        {
            return Empty;
        }

        return Bool(EqualityOperators.Compare(a, b, op));
    };

    private JsonEval Function(FunctionCallExpression call)
    {
        var name = call.FunctionName;
        var arguments = call.Arguments.ToList();
        var input = call.Focus is null ? static env => env.Focus : Compile(call.Focus);
        switch (name, arguments.Count)
        {
            case ("where", 1):
                return Iterate(input, Compile(arguments[0]), static (item, result, output) =>
                {
                    if (ToBoolean(result) == true)
                    {
                        output.Add(item);
                    }
                });
            case ("select", 1):
                return Iterate(input, Compile(arguments[0]), static (_, result, output) => output.AddRange(result));
            case ("exists", 0):
                return env => Bool(input(env).Count > 0);
            case ("exists", 1):
            {
                var where = Iterate(input, Compile(arguments[0]), static (item, result, output) =>
                {
                    if (ToBoolean(result) == true)
                    {
                        output.Add(item);
                    }
                });
                return env => Bool(where(env).Count > 0);
            }

            case ("all", 1):
            {
                var criteria = Compile(arguments[0]);
                return env =>
                {
                    var items = input(env);
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (ToBoolean(criteria(new JsonEnv(env.Run, items[i]))) != true)
                        {
                            return False;
                        }
                    }

                    return True;
                };
            }

            case ("empty", 0):
                return env => Bool(input(env).Count == 0);
            case ("not", 0):
                return env => Bool(Not(ToBoolean(input(env))));
            case ("hasValue", 0):
                return env => Bool(input(env) is [{ HasValue: true }]);
            case ("first", 0):
                return env => input(env) is [var first, ..] ? first : Empty;
            case ("last", 0):
                return env => input(env) is [.., var last] ? last : Empty;
            case ("single", 0):
                return env => input(env) switch
                {
                    [] => Empty,
                    [var one] => [one],
                    var many => throw new InvalidOperationException($"single() applied to {many.Count} items"),
                };
            case ("tail", 0):
                return env => input(env) is { Count: > 1 } all ? [.. all.Skip(1)] : Empty;
            case ("skip", 1):
            {
                var count = Compile(arguments[0]);
                return env => Integer(count(env), "skip()") is { } n ? [.. input(env).Skip((int)Math.Clamp(n, 0, int.MaxValue))] : Empty;
            }

            case ("take", 1):
            {
                var count = Compile(arguments[0]);
                return env => Integer(count(env), "take()") is { } n ? [.. input(env).Take((int)Math.Clamp(n, 0, int.MaxValue))] : Empty;
            }

            case ("count", 0):
                return env => JsonNode.Computed(PathValueKind.Integer, input(env).Count);
            case ("distinct", 0):
                return env => Union(input(env), Empty);
            case ("union", 1):
            {
                var other = Compile(arguments[0]);
                return env => Union(input(env), other(env));
            }

            case ("combine", 1):
            {
                var other = Compile(arguments[0]);
                return env => [.. input(env), .. other(env)];
            }

            case ("ofType", 1):
            {
                var test = TypeArgument(arguments[0], name);
                return env => Map(input(env), n => IsOfType(n, test) ? n : null);
            }

            case ("is", 1):
            {
                var test = TypeArgument(arguments[0], name);
                return env => Is(input(env), test);
            }

            case ("as", 1):
            {
                var test = TypeArgument(arguments[0], name);
                return env => As(input(env), test);
            }

            case ("iif", 2 or 3):
            {
                var criterion = Compile(arguments[0]);
                var then = Compile(arguments[1]);
                var otherwise = arguments.Count == 3 ? Compile(arguments[2]) : null;
                if (call.Focus is not AxisExpression)
                {
                    throw Unsupported("iif() on a focus");
                }

                return env => ToBoolean(criterion(env)) == true ? then(env) : otherwise?.Invoke(env) ?? Empty;
            }

            case ("extension", 1):
            {
                var url = Compile(arguments[0]);
                return env =>
                {
                    var wanted = StringArgument(url(env), "extension()");
                    var output = new List<JsonNode>();
                    var extensions = new List<JsonNode>();
                    foreach (var node in input(env))
                    {
                        extensions.Clear();
                        JsonNavigation.Children(node, "extension", extensions);
                        foreach (var extension in extensions)
                        {
                            if (ChildValue(extension, KeyElements.ExtensionUrl) is string u && u == wanted)
                            {
                                output.Add(extension);
                            }
                        }
                    }

                    return output;
                };
            }

            case ("join", 0 or 1):
            {
                var separator = arguments.Count == 1 ? Compile(arguments[0]) : null;
                return env =>
                {
                    // Items without a value (a primitive with only extensions) are not joined.
                    var texts = input(env).Select(i => Text([i], "join")).OfType<string>().ToList();
                    if (texts.Count == 0)
                    {
                        return Empty;
                    }

                    var glue = separator is null ? "" : StringArgument(separator(env), "join()") ?? "";
                    return JsonNode.Computed(PathValueKind.String, string.Join(glue, texts));
                };
            }

            case ("getResourceKey", 0):
                return env => Map(input(env), ResourceKey);
            case ("getReferenceKey", 0 or 1):
            {
                var type = arguments.Count == 1 ? ReferenceKeyType(arguments[0]) : null;
                var typeUtf8 = type is null ? null : System.Text.Encoding.UTF8.GetBytes(type);
                return env => Map(input(env), n => ReferenceKeyOf(n, type, typeUtf8));
            }

            case ("lowBoundary" or "highBoundary", 0 or 1):
            {
                var high = name == "highBoundary";
                var precision = arguments.Count == 1 ? Compile(arguments[0]) : null;
                return env =>
                {
                    var digits = precision is null ? null : Integer(precision(env), name);
                    return Map(input(env), n => Boundary(n, high, digits));
                };
            }

            default:
                return StringFunction(name, input, [.. arguments.Select(Compile)])
                    ?? throw Unsupported($"function '{name}' with {arguments.Count} argument(s)");
        }
    }

    // where/select/exists(criteria): the argument is evaluated once per input item, with that item as $this.
    private static JsonEval Iterate(JsonEval input, JsonEval argument, Action<JsonNode, IReadOnlyList<JsonNode>, List<JsonNode>> collect) => env =>
    {
        var items = input(env);
        if (items.Count == 0)
        {
            return Empty;
        }

        // The argument may itself iterate, so each level collects into its own list, taken from and returned to a
        // per-thread stack; the result leaves as the node itself (one item) or an exact array.
        var pool = CollectPool ??= new Stack<List<JsonNode>>();
        var output = pool.Count > 0 ? pool.Pop() : new List<JsonNode>();
        try
        {
            for (var i = 0; i < items.Count; i++)
            {
                collect(items[i], argument(new JsonEnv(env.Run, items[i])), output);
            }

            return Exact(output);
        }
        finally
        {
            output.Clear();
            pool.Push(output);
        }
    };

    // Applies map to each item, keeping the non-null results: the node itself for one, an exact array for more.
    private static IReadOnlyList<JsonNode> Map(IReadOnlyList<JsonNode> input, Func<JsonNode, JsonNode?> map)
    {
        if (input.Count == 1)
        {
            return map(input[0]) is { } one ? one : Empty;
        }

        List<JsonNode>? output = null;
        for (var i = 0; i < input.Count; i++)
        {
            if (map(input[i]) is { } item)
            {
                (output ??= new List<JsonNode>(input.Count)).Add(item);
            }
        }

        return output is null ? Empty : Exact(output);
    }

    private static IReadOnlyList<JsonNode> Exact(List<JsonNode> output) => output.Count switch
    {
        0 => Empty,
        1 => output[0],
        _ => output.ToArray(),
    };

    private static JsonEval? StringFunction(string name, JsonEval input, JsonEval[] arguments)
    {
        Func<string, string?[], object?>? function = (name, arguments.Length) switch
        {
            ("startsWith", 1) => static (s, a) => a[0] is { } p ? s.StartsWith(p, StringComparison.Ordinal) : null,
            ("endsWith", 1) => static (s, a) => a[0] is { } p ? s.EndsWith(p, StringComparison.Ordinal) : null,
            ("contains", 1) => static (s, a) => a[0] is { } p ? s.Contains(p, StringComparison.Ordinal) : null,
            ("indexOf", 1) => static (s, a) => a[0] is { } p ? s.IndexOf(p, StringComparison.Ordinal) : null,
            ("matches", 1) => static (s, a) => a[0] is { } p ? Regex.IsMatch(s, p, RegexOptions.None, TimeSpan.FromSeconds(1)) : null,
            ("replace", 2) => static (s, a) => a[0] is { } p && a[1] is { } r ? s.Replace(p, r, StringComparison.Ordinal) : null,
            ("lower", 0) => static (s, _) => s.ToLowerInvariant(),
            ("upper", 0) => static (s, _) => s.ToUpperInvariant(),
            ("length", 0) => static (s, _) => s.Length,
            ("trim", 0) => static (s, _) => s.Trim(),
            _ => null,
        };
        if (name == "substring" && arguments.Length is 1 or 2)
        {
            return env => Substring(input(env), [.. arguments.Select(a => Integer(a(env), "substring()"))]);
        }

        if (function is null)
        {
            return null;
        }

        return env =>
        {
            if (Text(input(env), name) is not { } text)
            {
                return Empty;
            }

            var values = new string?[arguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                values[i] = StringArgument(arguments[i](env), name);
                if (values[i] is null)
                {
                    return Empty;
                }
            }

            return function(text, values) switch
            {
                null => Empty,
                bool b => Bool(b),
                int i => JsonNode.Computed(PathValueKind.Integer, i),
                string s => JsonNode.Computed(PathValueKind.String, s),
                _ => Empty,
            };
        };
    }

    private static IReadOnlyList<JsonNode> Substring(IReadOnlyList<JsonNode> input, long?[] arguments)
    {
        if (Text(input, "substring") is not { } text || arguments[0] is not { } start)
        {
            return Empty;
        }

        if (start < 0 || start >= text.Length)
        {
            return Empty;
        }

        var length = arguments.Length > 1 ? arguments[1] : null;
        if (arguments.Length > 1 && length is null)
        {
            return Empty;
        }

        var available = text.Length - (int)start;
        var take = length is { } l ? (int)Math.Clamp(l, 0, available) : available;
        return JsonNode.Computed(PathValueKind.String, text.Substring((int)start, take));
    }

    // The input of a string function: one string, or nothing; any other value is an error, as on Firely.
    private static string? Text(IReadOnlyList<JsonNode> input, string function) => Single(input, function) switch
    {
        null => null,
        { Kind: PathValueKind.String, Value: string text } => text,
        { Kind: not PathValueKind.None, Value: null } => null,
        var other => throw new InvalidOperationException($"{function}() applies to a string, not to {other.TypeName}"),
    };

    // A System type, a backbone element or a name of no type (quantity for Quantity) is tested by Firely, whose answer
    // is the one to give.
    private static ClassMapping TypeArgument(Expression argument, string function) =>
        TypeSpecifiers.Name(argument) is not { } name
            ? throw Unsupported($"{function}() with a computed type")
            : TypeSpecifiers.FhirType(name) ?? throw Unsupported($"{function}({name})");

    private static string ReferenceKeyType(Expression argument) =>
        TypeSpecifiers.Name(argument) is { } name
            ? TypeSpecifiers.Unqualified(name)
            : throw Unsupported("getReferenceKey() with a computed type");

    // Made values (literals, constants, keys) are System values, never of a FHIR type.
    private static bool IsOfType(JsonNode node, ClassMapping type) => node.Type is { } own && (ReferenceEquals(own, type) || JsonModel.IsA(own, type));

    private static IReadOnlyList<JsonNode> Is(IReadOnlyList<JsonNode> input, ClassMapping type) => input switch
    {
        [] => Empty,
        [var one] => Bool(IsOfType(one, type)),
        _ => throw new InvalidOperationException($"'is' applied to {input.Count} items"),
    };

    private static IReadOnlyList<JsonNode> As(IReadOnlyList<JsonNode> input, ClassMapping type) => input switch
    {
        [] => Empty,
        [var one] => IsOfType(one, type) ? [one] : Empty,
        _ => throw new InvalidOperationException($"'as' applied to {input.Count} items"),
    };

    private static JsonNode? ResourceKey(JsonNode node)
    {
        if (node.Type is not { IsResource: true })
        {
            return null;
        }

        return ChildValue(node, KeyElements.ResourceId) is string { Length: > 0 } id ? JsonNode.Computed(PathValueKind.String, id) : null;
    }

    private static JsonNode? ReferenceKeyOf(JsonNode node, string? requiredType, byte[]? requiredTypeUtf8)
    {
        if (node.Type?.Name != "Reference")
        {
            return null;
        }

        if (SimpleReference(node) is var (typeStart, idStart, end))
        {
            // Type/id, the form bulk exports write: the key is read from the bytes, as ReferenceKey.Parse reads it.
            var json = node.Json.Span;
            return requiredTypeUtf8 is not null && !json[typeStart..(idStart - 1)].SequenceEqual(requiredTypeUtf8)
                ? null
                : JsonNode.Computed(PathValueKind.String, System.Text.Encoding.UTF8.GetString(json[idStart..end]));
        }

        var reference = ChildValue(node, KeyElements.ReferenceReference) as string;
        var declared = ChildValue(node, KeyElements.ReferenceType) as string;
        if (ReferenceKey.Parse(reference, declared) is not { } key)
        {
            return null;
        }

        return requiredType is not null && key.Type is not null && !string.Equals(key.Type, requiredType, StringComparison.Ordinal)
            ? null
            : JsonNode.Computed(PathValueKind.String, key.Key);
    }

    // Where the type and the id of a reference written "Type/id" sit (no escapes, no other '/', ':', '?' or '#'), or
    // null for any other form, which ReferenceKey.Parse then reads.
    private static (int TypeStart, int IdStart, int End)? SimpleReference(JsonNode node)
    {
        var children = OneChild ??= new List<JsonNode>(1);
        children.Clear();
        JsonNavigation.Children(node, KeyElements.ReferenceReference, children);
        var reference = children.Count == 1 ? children[0] : null;
        children.Clear();
        if (reference is not { Start: >= 0 } || reference.Json.Span[reference.Start] != (byte)'"')
        {
            return null;
        }

        var start = reference.Start + 1;
        var end = reference.End - 1;
        var text = reference.Json.Span[start..end];
        var slash = text.IndexOf((byte)'/');
        if (slash <= 0 || slash == text.Length - 1 || text.IndexOfAny("\\:?#"u8) >= 0 || text[(slash + 1)..].Contains((byte)'/'))
        {
            return null;
        }

        return (start, start + slash + 1, end);
    }

    // The value of element of node when it has exactly one item, else null.
    private static object? ChildValue(JsonNode node, JsonElementInfo element)
    {
        var children = OneChild ??= new List<JsonNode>(1);
        children.Clear();
        JsonNavigation.Children(node, element, children);
        var value = children.Count == 1 ? children[0].Value : null;
        children.Clear();
        return value;
    }

    // The elements the functions read themselves, looked up once: finding an element by name hashes the name each time,
    // and a view with keys asks on every row. An element is the same in every type that inherits it (Resource.id in each
    // resource, Quantity.value in Age).
    private static class KeyElements
    {
        public static readonly JsonElementInfo ResourceId = Of("Resource", "id");
        public static readonly JsonElementInfo ReferenceReference = Of("Reference", "reference");
        public static readonly JsonElementInfo ReferenceType = Of("Reference", "type");
        public static readonly JsonElementInfo ExtensionUrl = Of("Extension", "url");
        public static readonly JsonElementInfo QuantityValue = Of("Quantity", "value");
        public static readonly JsonElementInfo QuantityCode = Of("Quantity", "code");
        public static readonly JsonElementInfo QuantityUnit = Of("Quantity", "unit");

        private static JsonElementInfo Of(string type, string name) => JsonModel.Element(R4Types.Find(type)!, name)!;
    }

    private static JsonNode? Boundary(JsonNode node, bool high, long? precision)
    {
        if (precision is < 0 or > 28)
        {
            return null;
        }

        var digits = (int?)precision;
        return (node.Value, node.Kind) switch
        {
            (decimal d, _) => Boundaries.Of(d, high, digits) is { } b ? JsonNode.Made(PathValueKind.Decimal, b) : null,
            (int i, _) => Boundaries.Of(i, high, digits) is { } b ? JsonNode.Made(PathValueKind.Decimal, b) : null,
            (long l, _) => Boundaries.Of(l, high, digits) is { } b ? JsonNode.Made(PathValueKind.Decimal, b) : null,
            (string s, PathValueKind.Date) => Boundaries.Of(s, "date", high, digits) is { } b ? JsonNode.Made(PathValueKind.Date, b) : null,
            (string s, PathValueKind.DateTime or PathValueKind.Instant) => Boundaries.Of(s, "dateTime", high, digits) is { } b ? JsonNode.Made(PathValueKind.DateTime, b) : null,
            (string s, PathValueKind.Time) => Boundaries.Of(s, "time", high, digits) is { } b ? JsonNode.Made(PathValueKind.Time, b) : null,
            _ => null,
        };
    }

    private static JsonNode? Single(IReadOnlyList<JsonNode> items, string what) => items.Count switch
    {
        0 => null,
        1 => items[0],
        _ => throw new InvalidOperationException($"{what} expects one item, got {items.Count}"),
    };

    private static long? Integer(IReadOnlyList<JsonNode> items, string what) => Single(items, what)?.Value switch
    {
        null => null,
        int i => i,
        long l => l,
        var other => throw new InvalidOperationException($"{what} expects an integer, got {other}"),
    };

    private static string? StringArgument(IReadOnlyList<JsonNode> items, string what) => Single(items, what)?.Value switch
    {
        null => null,
        string s => s,
        var other => throw new InvalidOperationException($"{what} expects a string, got {other}"),
    };

    // FHIRPath's singleton evaluation of a collection as a boolean: empty is unknown; one boolean is itself; one other
    // item is true.
    private static bool? ToBoolean(IReadOnlyList<JsonNode> items) => items.Count switch
    {
        0 => null,
        1 => items[0].Value is bool b ? b : true,
        _ => throw new InvalidOperationException($"a boolean was expected, got {items.Count} items"),
    };

    private static IReadOnlyList<JsonNode> Bool(bool? value) => value switch
    {
        true => True,
        false => False,
        null => Empty,
    };

    private static bool? Not(bool? value) => value is { } b ? !b : null;

    private static bool? And(bool? a, bool? b) => a == false || b == false ? false : a == true && b == true ? true : null;

    private static bool? Or(bool? a, bool? b) => a == true || b == true ? true : a == false && b == false ? false : null;

    private static bool? Xor(bool? a, bool? b) => a is { } x && b is { } y ? x != y : null;

    private static bool? Implies(bool? a, bool? b) => a == false || b == true ? true : a == true && b == false ? false : null;

    private static bool? Equal(IReadOnlyList<JsonNode> left, IReadOnlyList<JsonNode> right)
    {
        if (left.Count == 0 || right.Count == 0)
        {
            return null;
        }

        if (left.Count != right.Count)
        {
            return false;
        }

        bool? result = true;
        for (var i = 0; i < left.Count; i++)
        {
            var pair = ItemEqual(left[i], right[i]);
            if (pair == false)
            {
                return false;
            }

            result = pair is null ? null : result;
        }

        return result;
    }

    private static bool Equivalent(IReadOnlyList<JsonNode> left, IReadOnlyList<JsonNode> right)
    {
        if (left.Count != right.Count)
        {
            return false;
        }

        for (var i = 0; i < left.Count; i++)
        {
            if (Quantity(left[i]) is { } lq && Quantity(right[i]) is { } rq)
            {
                if (!QuantityComparison.Equivalent(lq.Value, lq.Unit, rq.Value, rq.Unit))
                {
                    return false;
                }
            }
            else if (left[i].ToAny() is { } a && right[i].ToAny() is { } b ? !EqualityOperators.IsEquivalentTo(a, b) : ItemEqual(left[i], right[i]) != true)
            {
                return false;
            }
        }

        return true;
    }

    private static bool? ItemEqual(JsonNode left, JsonNode right)
    {
        var lq = Quantity(left);
        var rq = Quantity(right);
        if (lq is not null || rq is not null)
        {
            return lq is { } a1 && rq is { } b1 ? QuantityComparison.Equal(a1.Value, a1.Unit, b1.Value, b1.Unit) : false;
        }

        if (left.ToAny() is { } a && right.ToAny() is { } b)
        {
            return EqualityOperators.IsEqualTo(a, b);
        }

        // A primitive with only extensions has no value to compare.
        if (left is { Kind: not PathValueKind.None, Value: null } || right is { Kind: not PathValueKind.None, Value: null })
        {
            return null;
        }

        // Complex values: equal when written the same way.
        return left.Kind == PathValueKind.None && right.Kind == PathValueKind.None && left.Start >= 0 && right.Start >= 0
            && left.Json.Span[left.Start..left.End].SequenceEqual(right.Json.Span[right.Start..right.End]);
    }

    // A Quantity literal, or a FHIR Quantity (or Age, Duration, …) read as Firely reads it: its value in its code's unit,
    // or in its human unit when it has no code.
    private static (decimal Value, string? Unit)? Quantity(JsonNode node)
    {
        if (node.Value is P.Quantity literal)
        {
            return (literal.Value, literal.Unit);
        }

        if (node.Type is not { } type || !typeof(Hl7.Fhir.Model.Quantity).IsAssignableFrom(type.NativeType) || node.Start < 0)
        {
            return null;
        }

        var value = ChildValue(node, KeyElements.QuantityValue) switch
        {
            decimal d => d,
            int i => i,
            _ => (decimal?)null,
        };
        return value is { } v ? (v, ChildValue(node, KeyElements.QuantityCode) as string ?? ChildValue(node, KeyElements.QuantityUnit) as string) : null;
    }

    // distinct() and union tell items apart as Firely does: = on the values, and the same extensions (which = ignores).
    private static bool SameItem(JsonNode left, JsonNode right) =>
        ItemEqual(left, right) == true && Twin(left).SequenceEqual(Twin(right));

    private static ReadOnlySpan<byte> Twin(JsonNode node) =>
        node.ExtensionStart < 0 ? [] : node.Json.Span[node.ExtensionStart..node.ExtensionEnd];

    private static IReadOnlyList<JsonNode> Union(IReadOnlyList<JsonNode> left, IReadOnlyList<JsonNode> right)
    {
        var output = new List<JsonNode>(left.Count + right.Count);
        foreach (var item in left.Concat(right))
        {
            if (!output.Any(o => SameItem(o, item)))
            {
                output.Add(item);
            }
        }

        return output;
    }

    // Replaced whole, so threads sharing a compiled view never see a type paired with another type's element.
    private sealed record LastElement(ClassMapping Type, JsonElementInfo? Element);
}
