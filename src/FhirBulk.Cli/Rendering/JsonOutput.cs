using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using FhirBulk.Export;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Writes <c>--json</c> results: one indented JSON document on the output, camelCase names,
/// enums as strings, nulls left out.
/// </summary>
internal static class JsonOutput
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // One converter per enum the documents hold: the non-generic JsonStringEnumConverter makes its converters by
        // reflection, which Native AOT cannot do. CliJsonTests checks that every enum of CliJson is among them.
        Converters =
        {
            new JsonStringEnumConverter<ExportOutcome>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<ExportFileKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<ExportFileStatus>(JsonNamingPolicy.CamelCase),
        },

        // Output goes to a terminal, a file or a pipe, never into HTML: the default encoder's \u0027 for every apostrophe
        // (FHIRPath string literals, server messages) and \u002B for '+' (time zones) only make it harder to read and grep.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,

        // Source-generated metadata only: Native AOT has no reflection-based serialization.
        TypeInfoResolver = CliJson.Default,
    };

    /// <summary>
    /// <see cref="Options"/> without the indentation: for a document a script reads from the first line while the command
    /// goes on running (<c>serve --json</c>, whose output never ends with a closing brace it could wait for).
    /// </summary>
    public static JsonSerializerOptions OneLineOptions { get; } = new(Options) { WriteIndented = false };

    /// <summary>Writes <paramref name="value"/>, whose type <see cref="CliJson"/> must list.</summary>
    public static void Write<T>(IAnsiConsole console, T value) =>
        WriteRaw(console, Serialize(value, Options));

    /// <summary>Writes <paramref name="value"/> as one line (<see cref="OneLineOptions"/>).</summary>
    public static void WriteLine<T>(IAnsiConsole console, T value) =>
        WriteRaw(console, Serialize(value, OneLineOptions));

    /// <summary>
    /// Writes text as is. Spectre would wrap long lines at the console width and read
    /// <c>[brackets]</c> as markup, which would corrupt JSON and NDJSON; the raw writer does neither.
    /// </summary>
    public static void WriteRaw(IAnsiConsole console, string text)
    {
        var writer = console.Profile.Out.Writer;
        writer.WriteLine(text);
        writer.Flush();
    }

    /// <summary>
    /// The metadata <paramref name="options"/> resolve for <typeparamref name="T"/>: what a serializer call is given instead
    /// of the options, whose overloads fall back on reflection, which Native AOT has not. With options resolving from
    /// <see cref="CliJson"/>, a type it does not list fails here in every test that prints it, not only in the AOT build.
    /// </summary>
    public static JsonTypeInfo<T> TypeInfo<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    private static string Serialize<T>(T value, JsonSerializerOptions options) => JsonSerializer.Serialize(value, options.TypeInfo<T>());
}
