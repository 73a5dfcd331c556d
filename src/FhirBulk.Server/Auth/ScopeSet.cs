namespace FhirBulk.Server.Auth;

/// <summary>
/// SMART system scopes, v1 (<c>system/*.read</c>) and v2 (<c>system/Observation.rs</c>), normalised to
/// a resource type and a set of v2 permission letters (c r u d s) so the two syntaxes compare.
/// </summary>
internal sealed class ScopeSet
{
    private readonly List<(string Type, string Permissions)> _scopes;

    private ScopeSet(string text, List<(string Type, string Permissions)> scopes)
    {
        Text = text;
        _scopes = scopes;
    }

    /// <summary>Read access to every type in both syntaxes: what a registered client may ask for by default.</summary>
    public static ScopeSet DefaultAllowed { get; } = Parse("system/*.read system/*.rs");

    public static ScopeSet All { get; } = Parse("system/*.*");

    public string Text { get; }

    public static ScopeSet Parse(string text)
    {
        if (!TryParse(text, out var scopes, out var error))
        {
            throw new FormatException(error);
        }

        return scopes;
    }

    public static bool TryParse(string? text, out ScopeSet scopes, out string error)
    {
        scopes = null!;
        error = string.Empty;
        var parsed = new List<(string, string)>();
        foreach (var scope in (text ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParseOne(scope, out var type, out var permissions))
            {
                error = $"Scope '{scope}' is not a SMART system scope (system/<Type|*>.<read|write|*> or system/<Type|*>.<cruds>).";
                return false;
            }

            parsed.Add((type, permissions));
        }

        if (parsed.Count == 0)
        {
            error = "No scope was requested.";
            return false;
        }

        scopes = new ScopeSet(string.Join(' ', (text ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries)), parsed);
        return true;
    }

    private static bool TryParseOne(string scope, out string type, out string permissions)
    {
        type = permissions = string.Empty;
        if (!scope.StartsWith("system/", StringComparison.Ordinal))
        {
            return false;
        }

        var body = scope.AsSpan(7);
        var dot = body.IndexOf('.');
        if (dot <= 0)
        {
            return false;
        }

        type = body[..dot].ToString();
        if (type != "*" && !(char.IsAsciiLetterUpper(type[0]) && type.All(char.IsAsciiLetter)))
        {
            return false;
        }

        var action = body[(dot + 1)..];

        // v2 permissions may carry a query (system/Observation.rs?category=laboratory); the query narrows, never widens.
        var query = action.IndexOf('?');
        if (query >= 0)
        {
            action = action[..query];
        }

        permissions = action switch
        {
            "read" => "rs",
            "write" => "cud",
            "*" => "cruds",
            _ => IsV2(action) ? action.ToString() : string.Empty,
        };
        return permissions.Length > 0;
    }

    private static bool IsV2(ReadOnlySpan<char> action)
    {
        // v2 letters are a non-empty subsequence of "cruds", in that order.
        var order = "cruds";
        var position = 0;
        foreach (var letter in action)
        {
            var found = order.IndexOf(letter, position);
            if (found < 0)
            {
                return false;
            }

            position = found + 1;
        }

        return action.Length > 0;
    }

    /// <summary>True when every scope in <paramref name="requested"/> is covered by one of these.</summary>
    public bool Covers(ScopeSet requested) =>
        requested._scopes.All(r => _scopes.Exists(a => (a.Type == "*" || a.Type == r.Type) && r.Permissions.All(a.Permissions.Contains)));

    /// <summary>True when these scopes allow reading and searching <paramref name="type"/> (what an export needs).</summary>
    public bool CanExport(string type) =>
        _scopes.Exists(s => (s.Type == "*" || s.Type == type) && s.Permissions.Contains('r', StringComparison.Ordinal));
}
