using System.Text.RegularExpressions;

namespace FhirBulk.Http;

/// <summary>
/// URLs as they may be written where people read and share them (logs, <c>log.ndjson</c>): a signed file URL carries its
/// secret in the query (S3's <c>X-Amz-Signature</c>, an Azure SAS <c>sig</c>, the embedded server's capability
/// <c>sig</c>), and a URL may carry user info; both are left out, the query's names kept to show what was asked.
/// </summary>
internal static partial class UrlRedaction
{
    /// <summary>The URL without user info and with every query value replaced by <c>…</c>, e.g. <c>…/$export?_type=…</c>.</summary>
    internal static string Redacted(Uri uri)
    {
        if (!uri.IsAbsoluteUri)
        {
            return uri.OriginalString.Split('?')[0];
        }

        var path = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return path;
        }

        var names = query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=')[0] + "=…");
        return path + "?" + string.Join('&', names);
    }

    /// <summary>A URL given as text (a manifest's, possibly relative) redacted as <see cref="Redacted(Uri)"/> does.</summary>
    internal static string Redacted(string url) =>
        Uri.TryCreate(url, UriKind.RelativeOrAbsolute, out var uri) ? Redacted(uri) : url.Split('?')[0];

    /// <summary>
    /// <paramref name="text"/> with every http(s) URL in it redacted: server and failure messages name the URL they were
    /// about (<c>{url} answered 410 Gone</c>), so a message is as secret as the URL.
    /// </summary>
    internal static string RedactedIn(string text) =>
        text.Contains("://", StringComparison.Ordinal)
            ? UrlInText().Replace(text, match => Uri.TryCreate(match.Value, UriKind.Absolute, out var uri) ? Redacted(uri) : match.Value)
            : text;

    // Up to white space or a quote; punctuation that ends a sentence ("… at URL.", "URL: reason") is not the URL's.
    [GeneratedRegex(@"https?://[^\s""'<>]+?(?=[.,;:)\]]*(?:[\s""'<>]|$))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlInText();
}
