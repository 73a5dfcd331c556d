using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk serve</c>: the embedded Bulk Data server on 127.0.0.1 until stopped.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var port = new Option<int>("--port", "-p")
        {
            Description = "Port on 127.0.0.1; 0 picks a free one.",
            DefaultValueFactory = _ => 0,
        };
        var patients = new Option<int>("--patients", "-n")
        {
            Description = "Patients in the generated population (ignored with --data).",
            DefaultValueFactory = _ => 100,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the generated population and of fault injection.",
            DefaultValueFactory = _ => 1,
        };
        var data = new Option<string?>("--data")
        {
            Description = "Serve a folder of NDJSON (e.g. a real export) instead of a generated population.",
            HelpName = "DIR",
        };
        var noAuth = new Option<bool>("--no-auth")
        {
            Description = "Open server: no token needed, manifests say requiresAccessToken: false.",
        };
        var clients = new Option<string?>("--clients")
        {
            Description = "JSON file of registered clients (client_id, JWKS or JWKS URL, allowed scopes).",
            HelpName = "FILE",
        };
        var json = CommonOptions.Json();
        var command = new Command("serve", "Run the embedded FHIR Bulk Data server on 127.0.0.1 and print its base URL.")
        {
            port, patients, seed, data, noAuth, clients, json,
        };
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
