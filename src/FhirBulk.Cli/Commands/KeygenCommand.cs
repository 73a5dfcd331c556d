using System.CommandLine;
using FhirBulk.Auth;
using FhirBulk.Cli.Rendering;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk keygen</c>: a key pair for SMART Backend Services, ready to register.</summary>
internal static class KeygenCommand
{
    public const string PrivateKeyFileName = "private-key.pem";
    public const string JwksFileName = "jwks.json";

    public static Command Create(CliContext context)
    {
        var algorithm = new Option<string>("--alg")
        {
            Description = "Signing algorithm of the key: RS384 (RSA 2048) or ES384 (P-384).",
            DefaultValueFactory = _ => "RS384",
        }.AcceptOnlyFromAmong("RS384", "ES384");
        var output = new Option<string>("--out", "-o")
        {
            Description = $"Folder for {PrivateKeyFileName} (keep it secret) and {JwksFileName} (the public key set to register). The kid is the key's RFC 7638 thumbprint.",
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
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var folder = Path.GetFullPath(parseResult.GetRequiredValue(output));
            var keyPath = Path.Combine(folder, PrivateKeyFileName);
            var jwksPath = Path.Combine(folder, JwksFileName);
            if (!parseResult.GetValue(force) && (File.Exists(keyPath) || File.Exists(jwksPath)))
            {
                throw new CliException($"{keyPath} already exists; use --force to replace it (the old key stops working wherever it is registered).");
            }

            OutputFolder.Create(folder, "--out");
            var pair = KeyGenerator.Generate(parseResult.GetRequiredValue(algorithm));
            await WriteSecretAsync(keyPath, pair.PrivateKeyPem, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(jwksPath, pair.PublicJwks, cancellationToken).ConfigureAwait(false);

            if (parseResult.GetValue(json))
            {
                JsonOutput.Write(context.Out, new KeygenJson(pair.Algorithm, pair.KeyId, keyPath, jwksPath));
                return ExitCodes.Success;
            }

            // Each value whole on its line (cut with … only where the width cannot hold it): a kid or a path is copied.
            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            grid.AddRow(OneLineCell.Row("Algorithm", pair.Algorithm));
            grid.AddRow(OneLineCell.Row("kid", pair.KeyId));
            grid.AddRow(OneLineCell.Row("Private key", keyPath));
            grid.AddRow(new Text(""), new Markup("[yellow](secret: never share or commit it)[/]"));
            grid.AddRow(OneLineCell.Row("Public JWKS", jwksPath));
            context.Out.Write(new TrimmedLines(grid));
            // Prose, wrapped where the width asks for it, but without the blank Spectre leaves at the end of each wrapped line.
            context.Out.Write(new TrimmedLines(new Text("Register the JWKS with your server (for the SMART sandbox: paste jwks.json on its launch page), then:\n")));
            // Written past Spectre so the command stays on one line, to be copied as it is.
            context.Out.Profile.Out.Writer.WriteLine($"  fhir-bulk export --server URL --client-id ID --key {CommandLineText.Quote(keyPath)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task WriteSecretAsync(string path, string text, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Readable by the owner only, like ssh-keygen's private keys.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary><c>keygen --json</c>.</summary>
internal sealed record KeygenJson(string Algorithm, string Kid, string PrivateKey, string Jwks);
