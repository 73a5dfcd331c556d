using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk keygen</c>: a key pair for SMART Backend Services, ready to register.</summary>
internal static class KeygenCommand
{
    public static Command Create(CliContext context)
    {
        var algorithm = new Option<string>("--alg")
        {
            Description = "Signing algorithm of the key: RS384 (RSA 2048) or ES384 (P-384).",
            DefaultValueFactory = _ => "RS384",
        }.AcceptOnlyFromAmong("RS384", "ES384");
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder for private-key.pem (keep it secret) and jwks.json (the public key set to register).",
            Required = true,
            HelpName = "DIR",
        };
        var force = new Option<bool>("--force")
        {
            Description = "Overwrite an existing key in --out.",
        };
        var json = CommonOptions.Json();
        var command = new Command("keygen", "Make a private key (PEM) and its public JWKS with a kid, to register with a server.")
        {
            algorithm, output, force, json,
        };
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
