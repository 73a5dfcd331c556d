using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using FhirBulk.Cli.Rendering;
using FhirBulk.Tables;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk example</c>: one resource as pretty JSON, to write FHIRPath against.</summary>
internal static class ExampleCommand
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(CliContext context)
    {
        var input = new Option<string>("--input", "-i")
        {
            Description = "NDJSON to read: an export folder, one .ndjson or .ndjson.gz file, or '-' for stdin.",
            Required = true,
            HelpName = "PATH",
        };
        var type = new Option<string>("--type", "-t")
        {
            Description = "Resource type, e.g. Observation.",
            Required = true,
            HelpName = "TYPE",
        };
        var id = new Option<string?>("--id")
        {
            Description = "Resource id. Default: the first resource of the type.",
            HelpName = "ID",
        };
        var command = new Command("example", "Print one resource of a type (the first, or by id) as indented JSON.")
        {
            input, type, id,
        };
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetRequiredValue(input);
            var resourceType = parseResult.GetRequiredValue(type);
            var wanted = parseResult.GetValue(id);
            var tables = new FhirTables();
            var source = context.OpenInput(path);
            var resource = await tables.GetExampleResourceAsync(source, resourceType, wanted, cancellationToken).ConfigureAwait(false);
            // An id not there of a type that is: how many there are and the first ids say more than the types of the input.
            if (resource is null && wanted is not null && source.IsRepeatable
                && await tables.SampleIdsAsync(source, resourceType, cancellationToken: cancellationToken).ConfigureAwait(false) is { Count: > 0 } sample)
            {
                throw new CliException($"no {resourceType} with id '{wanted}' in {path}: it holds {sample}.");
            }

            if (resource is null)
            {
                // The workshop's helper answered "not available, try one of these"; so do we.
                // A stream (stdin) is read once: then there is no listing of what else it held.
                var available = source.IsRepeatable ? (await tables.CountResourcesAsync(source, cancellationToken).ConfigureAwait(false)).Keys : [];
                // Resource types are case-sensitive (FHIR R4, "Resource.resourceType"): 'patient' finds nothing, so say which was meant.
                var meant = Misspelling.Meant(resourceType, available);
                var hint = meant.Count > 0 ? $" Did you mean {string.Join(" or ", meant.Select(t => $"'{t}'"))}?{(Misspelling.OnlyCaseDiffers(resourceType, meant) ? " Resource types are case-sensitive." : "")}"
                    : available.Any() ? $" Types there: {string.Join(", ", available)}." : "";
                throw new CliException(wanted is null
                    ? $"no {resourceType} in {path}.{hint}"
                    : $"no {resourceType} with id '{wanted}' in {path}.{hint}");
            }

            using var document = JsonDocument.Parse(resource.Json);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Indented))
            {
                document.WriteTo(writer);
            }

            JsonOutput.WriteRaw(context.Out, System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return ExitCodes.Success;
        });
        return command;
    }
}
