using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FhirBulk.Export;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Http;

/// <summary>The HttpClient the client makes when none is injected: TLS verified, a CA bundle trusted, no redirects followed by the handler.</summary>
internal static class HttpClientFactory
{
    public static HttpClient Create(BulkDataClientOptions options, ILogger logger)
    {
        var handler = new SocketsHttpHandler
        {
            // Redirects are followed by BulkHttp, which decides per hop whether the token may go along.
            AllowAutoRedirect = false,

            // Decompression is done by the downloader so that Range offsets stay in plain bytes.
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        if (options.CaBundlePath is { } bundle)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(bundle);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => TrustedBy(roots, certificate, chain, errors);
        }

        return new HttpClient(new LoggingHandler(logger) { InnerHandler = handler }) { Timeout = options.RequestTimeout };
    }

    /// <summary>Accepts a certificate the system rejected only when it chains to one of <paramref name="roots"/>; a name mismatch is never accepted.</summary>
    internal static bool TrustedBy(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 leaf)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf);
    }
}
