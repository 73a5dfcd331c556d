using System.Globalization;
using FhirBulk.Auth;
using FhirBulk.Cli.Rendering;
using FhirBulk.Export;
using FhirBulk.Server;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// The server half of <c>demo</c>: an embedded server on a free loopback port, a key made and
/// registered, then a Patient-level and a Group export, as a researcher would run them.
/// </summary>
internal static class DemoExports
{
    /// <summary>Runs the exports into <c>DIR/export/</c> and returns the folder of the Patient-level export.</summary>
    public static async Task<string> RunAsync(CliContext context, StepProgress steps, bool quiet, int patients, int seed, string outputDirectory, CancellationToken cancellationToken)
    {
        var exports = Path.Combine(outputDirectory, "export");
        // A demo run replaces its own earlier exports; nothing else in --out is touched.
        if (Directory.Exists(exports))
        {
            Directory.Delete(exports, recursive: true);
        }

        return await WithServerAsync(context, steps, quiet, new BulkDataServerOptions { Patients = patients, Seed = seed }, outputDirectory, async (_, client) =>
        {
            var patientExport = Path.Combine(exports, "patient");
            var patientResult = await ExportProgressView.RunAsync(
                context, quiet, "Patient export", progress => client.ExportToDirectoryAsync(new ExportRequest { Level = ExportLevel.Patient }, patientExport, progress, cancellationToken)).ConfigureAwait(false);
            Report(context, quiet, "Patient export", patientResult);

            GroupInfo? group = null;
            await foreach (var candidate in client.ListGroupsAsync(cancellationToken).ConfigureAwait(false))
            {
                // The largest group: the one a researcher would most likely be handed.
                if (group is null || (candidate.MemberCount ?? 0) > (group.MemberCount ?? 0))
                {
                    group = candidate;
                }
            }

            if (group is not null)
            {
                var title = $"Group export ({group.Name ?? group.Id}, {group.MemberCount?.ToString(CultureInfo.InvariantCulture) ?? "?"} members)";
                var groupResult = await ExportProgressView.RunAsync(
                    context, quiet, title, progress => client.ExportToDirectoryAsync(new ExportRequest { Level = ExportLevel.Group, GroupId = group.Id }, Path.Combine(exports, "group"), progress, cancellationToken)).ConfigureAwait(false);
                Report(context, quiet, title, groupResult);
            }

            return patientExport;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the embedded server with <paramref name="options"/> on a free loopback port, makes a key, writes its public
    /// JWKS to <c>DIR/keys/</c> and registers it, then runs <paramref name="body"/> with a client signing in with it.
    /// </summary>
    public static async Task<T> WithServerAsync<T>(CliContext context, StepProgress steps, bool quiet, BulkDataServerOptions options, string outputDirectory, Func<BulkDataServer, BulkDataClient, Task<T>> body, CancellationToken cancellationToken)
    {
        var server = await steps.RunAsync(
            $"Starting the embedded server with {options.Patients:N0} generated patients",
            _ => BulkDataServer.StartAsync(options, cancellationToken),
            s => s.BaseUri.ToString()).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            var keys = Path.Combine(outputDirectory, "keys");
            var pair = KeyGenerator.Generate("RS384");
            Directory.CreateDirectory(keys);
            await File.WriteAllTextAsync(Path.Combine(keys, KeygenCommand.JwksFileName), pair.PublicJwks, cancellationToken).ConfigureAwait(false);
            var clientId = server.RegisterClient(pair.PublicJwks);
            if (!quiet)
            {
                context.Out.MarkupLineInterpolated($"[green]✓[/] Made an RS384 key (kid {pair.KeyId}) and registered it: client_id {clientId}");
            }

            using var key = ClientSigningKey.FromPem(pair.PrivateKeyPem, pair.KeyId);
            using var client = new BulkDataClient(server.BaseUri, new BulkDataClientOptions
            {
                Credentials = new BulkDataCredentials(clientId, key),
                TimeProvider = context.TimeProvider,
            });
            return await body(server, client).ConfigureAwait(false);
        }
    }

    private static void Report(CliContext context, bool quiet, string title, ExportResult result)
    {
        if (!quiet)
        {
            context.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"[green]✓[/] {title}: {Counted.Of(result.TotalResources, "resource")} in {Counted.Of(result.Files.Count, "file")}, {result.TotalBytes / 1048576.0:0.0} MB ({result.Duration.TotalSeconds:0.0} s) → {result.Directory}");
        }
    }
}
