using System.Text.Json;
using FhirBulk.Auth;
using FhirBulk.Cli.Rendering;
using FhirBulk.Export;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Cli.Settings;

/// <summary>Builds a <see cref="BulkDataClient"/> from resolved <see cref="ConnectionSettings"/>.</summary>
internal static class ClientFactory
{
    /// <summary>A client whose long waits (a token endpoint's 429, a retried request) are announced through <paramref name="waits"/>, whichever command asks.</summary>
    public static BulkDataClient Create(ConnectionSettings settings, ILoggerFactory loggerFactory, WaitNotes waits, Action<BulkDataClientOptions>? configure = null)
    {
        var options = new BulkDataClientOptions
        {
            LoggerFactory = loggerFactory,
            OnWait = waits.Report,
            CaBundlePath = settings.CaBundle,
            Credentials = settings.ClientId is null ? null : new BulkDataCredentials(
                settings.ClientId,
                LoadKey(settings),
                settings.Scope ?? BulkDataCredentials.DefaultScope),
        };
        if (settings.Retries is { } retries)
        {
            options.MaxRetries = retries;
        }

        configure?.Invoke(options);
        return new BulkDataClient(settings.Server, options);
    }

    private static ClientSigningKey LoadKey(ConnectionSettings settings)
    {
        try
        {
            return settings.KeyFile is { } path
                ? ClientSigningKey.Load(path, settings.Kid)
                : ClientSigningKey.FromText(settings.PrivateKey!, settings.Kid);
        }
        catch (Exception e) when (e is InvalidInputException or JsonException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException or InvalidOperationException or KeyNotFoundException)
        {
            // Name where the key came from, never what it contains.
            var source = settings.KeyFile ?? $"${ConnectionResolver.PrivateKeyVariable}";
            var reason = e switch
            {
                JsonException json => ErrorText.Describe(json),
                ArgumentException argument => ErrorText.WithoutParameter(argument),
                _ => e.Message,
            };
            throw new CliException($"cannot read the private key in {source}: {reason}", ExitCodes.InvalidInput, e);
        }
    }
}
