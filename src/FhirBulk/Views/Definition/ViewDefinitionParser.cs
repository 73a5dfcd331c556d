using System.Text.Json;
using System.Text.RegularExpressions;

namespace FhirBulk.Views.Definition;

/// <summary>
/// Reads a ViewDefinition from JSON and checks its structure (SQL-on-FHIR v2, "ViewDefinition"
/// constraints sql-name, sql-expressions and the one-iteration rule), naming the element on error.
/// </summary>
public static partial class ViewDefinitionParser
{
    // Properties the spec defines for each nested element (besides the FHIR id/extension
    // ones); anything else is most likely a typo ("columns", "foreach") that would otherwise
    // silently drop part of the view.
    private static readonly HashSet<string> SelectProperties = ["column", "select", "forEach", "forEachOrNull", "repeat", "unionAll"];
    private static readonly HashSet<string> ColumnProperties = ["name", "path", "type", "collection", "description", "tag"];
    private static readonly HashSet<string> WhereProperties = ["path", "description"];
    private static readonly HashSet<string> TagProperties = ["name", "value"];
    private static readonly HashSet<string> FhirElementProperties = ["id", "extension", "modifierExtension"];

    // A ViewDefinition's own elements: those of Resource, DomainResource and CanonicalResource (its parent in
    // SQL-on-FHIR v2's models.fsh, FHIR R5 §canonicalresource) and its own. A top-level typo ("were") would
    // otherwise drop the filter or the columns it meant without a word, as a nested one would.
    private static readonly HashSet<string> ViewDefinitionProperties =
    [
        "resourceType", "id", "meta", "implicitRules", "language",
        "text", "contained", "extension", "modifierExtension",
        "url", "identifier", "version", "versionAlgorithmString", "versionAlgorithmCoding", "name", "title", "status",
        "experimental", "date", "publisher", "contact", "description", "useContext", "jurisdiction", "purpose",
        "copyright", "copyrightLabel",
        "resource", "profile", "fhirVersion", "constant", "select", "where",
    ];

    // What a top-level error lists when it has no guess: the elements that shape rows, not all thirty-odd.
    private const string ViewDefinitionPropertiesListed =
        "resource, select, where, constant, name, or a canonical resource's element such as url, title, status, description";

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex SqlName();

    /// <summary>Parses a ViewDefinition from JSON text.</summary>
    /// <exception cref="ViewDefinitionException">The JSON is malformed or breaks the spec.</exception>
    public static ViewDefinition Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ViewDefinitionException("", $"not valid JSON: {ErrorText.Describe(ex)}", ex);
        }
    }

    /// <summary>Parses a ViewDefinition from a JSON element.</summary>
    /// <exception cref="ViewDefinitionException">The view breaks the spec.</exception>
    public static ViewDefinition Parse(JsonElement view)
    {
        if (view.ValueKind != JsonValueKind.Object)
        {
            throw Error("", "a ViewDefinition must be a JSON object");
        }

        RequireKnownProperties(view, "", ViewDefinitionProperties, ViewDefinitionPropertiesListed);

        var resource = OptionalString(view, "resource", "")
            ?? throw Error("resource", "is required (the FHIR resource type the view reads)");
        if (resource.Length == 0)
        {
            throw Error("resource", "must not be empty");
        }

        var name = OptionalString(view, "name", "");
        if (name is not null && !SqlName().IsMatch(name))
        {
            throw Error("name", $"'{name}' is not a valid view name (letters, digits, '_', starting with a letter)");
        }

        var constants = ParseConstants(view);
        var select = ParseSelectArray(view, "select", "", required: true, name ?? resource.ToLowerInvariant());
        var where = ParseWhere(view);
        return new ViewDefinition(name, resource, constants, select, where);
    }

    // viewName only names the view in errors that the element path alone leaves unclear (a column's SQL type).
    private static List<SelectClause> ParseSelectArray(JsonElement parent, string property, string parentPath, bool required, string viewName)
    {
        var result = new List<SelectClause>();
        foreach (var (item, path) in OptionalArray(parent, property, parentPath))
        {
            result.Add(ParseSelect(item, path, viewName));
        }

        if (required && result.Count == 0)
        {
            throw Error(Join(parentPath, property), "at least one select is required");
        }

        return result;
    }

    private static SelectClause ParseSelect(JsonElement select, string path, string viewName)
    {
        RequireObject(select, path);
        RequireKnownProperties(select, path, SelectProperties);
        var forEach = OptionalString(select, "forEach", path);
        var forEachOrNull = OptionalString(select, "forEachOrNull", path);
        List<string>? repeat = null;
        if (select.TryGetProperty("repeat", out _))
        {
            repeat = [];
            foreach (var (item, itemPath) in OptionalArray(select, "repeat", path))
            {
                repeat.Add(item.ValueKind == JsonValueKind.String
                    ? item.GetString()!
                    : throw Error(itemPath, "a repeat path must be a string"));
            }

            if (repeat.Count == 0)
            {
                throw Error(path + ".repeat", "must list at least one path");
            }
        }

        var iterations = (forEach is null ? 0 : 1) + (forEachOrNull is null ? 0 : 1) + (repeat is null ? 0 : 1);
        if (iterations > 1)
        {
            throw Error(path, "only one of forEach, forEachOrNull and repeat may be given");
        }

        var columns = new List<ColumnDefinition>();
        foreach (var (item, itemPath) in OptionalArray(select, "column", path))
        {
            columns.Add(ParseColumn(item, itemPath, viewName));
        }

        var nested = ParseSelectArray(select, "select", path, required: false, viewName);
        var unionAll = ParseSelectArray(select, "unionAll", path, required: false, viewName);
        if (columns.Count == 0 && nested.Count == 0 && unionAll.Count == 0)
        {
            throw Error(path, "a select needs at least one of column, select or unionAll");
        }

        return new SelectClause(path, columns, nested, forEach, forEachOrNull, repeat, unionAll);
    }

    private static ColumnDefinition ParseColumn(JsonElement column, string path, string viewName)
    {
        RequireObject(column, path);
        RequireKnownProperties(column, path, ColumnProperties);
        var name = OptionalString(column, "name", path) ?? throw Error(path + ".name", "is required");
        if (!SqlName().IsMatch(name))
        {
            throw Error(path + ".name", $"'{name}' is not a valid column name (letters, digits, '_', starting with a letter)");
        }

        var expression = OptionalString(column, "path", path) ?? throw Error(path + ".path", "is required");
        var type = OptionalString(column, "type", path);
        var collection = false;
        if (column.TryGetProperty("collection", out var c))
        {
            collection = c.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error(path + ".collection", "must be true or false"),
            };
        }

        var ansiType = ParseAnsiType(column, path, name, viewName);
        if (collection && ansiType is { SupportsLists: false })
        {
            throw Error(path + ".collection", $"view '{viewName}', column '{name}': a collection of {ansiType} cannot be stored (no LIST of it can be written); leave the {SqlType.TagName} tag out to store the base64 text");
        }

        return new ColumnDefinition(path, name, expression, type, collection, ansiType);
    }

    /// <summary>
    /// The SQL type a column's <c>ansi/type</c> tag asks for (SQL-on-FHIR v2, "Overriding Default Type Mappings"), or
    /// <see langword="null"/>. Tags of other names are for other tools and are kept out of the way.
    /// </summary>
    private static SqlType? ParseAnsiType(JsonElement column, string path, string columnName, string viewName)
    {
        SqlType? result = null;
        foreach (var (tag, tagPath) in OptionalArray(column, "tag", path))
        {
            RequireObject(tag, tagPath);
            RequireKnownProperties(tag, tagPath, TagProperties);
            var tagName = OptionalString(tag, "name", tagPath) ?? throw Error(tagPath + ".name", "is required");
            var value = OptionalString(tag, "value", tagPath) ?? throw Error(tagPath + ".value", "is required");
            if (tagName != SqlType.TagName)
            {
                continue;
            }

            if (result is not null)
            {
                throw Error(tagPath, $"view '{viewName}', column '{columnName}': a second {SqlType.TagName} tag; a column has one type");
            }

            try
            {
                result = SqlType.Parse(value);
            }
            catch (FormatException e)
            {
                throw new ViewDefinitionException(tagPath + ".value", $"view '{viewName}', column '{columnName}': {e.Message}", e);
            }
        }

        return result;
    }

    private static List<WhereClause> ParseWhere(JsonElement view)
    {
        var result = new List<WhereClause>();
        foreach (var (item, path) in OptionalArray(view, "where", ""))
        {
            RequireObject(item, path);
            RequireKnownProperties(item, path, WhereProperties);
            result.Add(new WhereClause(path, OptionalString(item, "path", path) ?? throw Error(path + ".path", "is required")));
        }

        return result;
    }

    private static string? OptionalString(JsonElement parent, string property, string parentPath)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Error(Join(parentPath, property), $"must be a string, found {DescribeKind(value.ValueKind)}");
    }

    private static IEnumerable<(JsonElement Item, string Path)> OptionalArray(JsonElement parent, string property, string parentPath)
    {
        var path = Join(parentPath, property);
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            yield break;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Error(path, $"must be an array, found {DescribeKind(value.ValueKind)}");
        }

        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            yield return (item, $"{path}[{index++}]");
        }
    }

    // listed: what the message names when no known property is near the one given; all of known unless set.
    private static void RequireKnownProperties(JsonElement element, string path, HashSet<string> known, string? listed = null)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!IsKnown(property.Name, known))
            {
                var guesses = Misspelling.Meant(property.Name, known.Concat(FhirElementProperties));
                var hint = guesses.Count > 0
                    ? Misspelling.DidYouMean(property.Name, guesses, "element")
                    : $" (expected one of {listed ?? string.Join(", ", known)})";
                throw Error(Join(path, property.Name), $"'{property.Name}' is not a property of this element{hint}");
            }
        }
    }

    // FHIR JSON carries a primitive's id and extensions beside it as "_name" (R4 §2.6.2.3).
    private static bool IsKnown(string property, HashSet<string> known)
    {
        var name = property.StartsWith('_') ? property[1..] : property;
        return known.Contains(name) || FhirElementProperties.Contains(name);
    }

    private static void RequireObject(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(path, $"must be an object, found {DescribeKind(element.ValueKind)}");
        }
    }

    private static string Join(string parent, string property) =>
        parent.Length == 0 ? property : $"{parent}.{property}";

    private static string DescribeKind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static ViewDefinitionException Error(string path, string message) => new(path, message, null);
}
