using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>
/// A Bulk Data export driven by a plain HttpClient (no FhirBulk client code): kick-off, tight
/// status polling (so the figure is the server's time, not a polite client's Retry-After), manifest.
/// </summary>
internal static class RawExport
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    public sealed record Completed(Uri StatusUrl, IReadOnlyList<(string Type, Uri Url, long Count)> Output, TimeSpan KickoffToComplete);

    public static async Task<Completed> RunAsync(HttpClient http, Uri fhirBase, string query)
    {
        var watch = Stopwatch.StartNew();
        using var kickoff = new HttpRequestMessage(HttpMethod.Get, $"{fhirBase}/{query}");
        kickoff.Headers.Add("Accept", "application/fhir+json");
        kickoff.Headers.Add("Prefer", "respond-async");
        using var accepted = await http.SendAsync(kickoff);
        if (accepted.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"Kick-off {query} answered {(int)accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync()}");
        }

        var status = accepted.Content.Headers.ContentLocation ?? throw new InvalidOperationException("No Content-Location.");
        while (true)
        {
            using var response = await http.GetAsync(status);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var elapsed = watch.Elapsed;
                using var manifest = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                var output = manifest.RootElement.GetProperty("output").EnumerateArray()
                    .Select(o => (o.GetProperty("type").GetString()!, new Uri(o.GetProperty("url").GetString()!),
                        o.TryGetProperty("count", out var c) ? c.GetInt64() : -1))
                    .ToList();
                return new Completed(status, output, elapsed);
            }

            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"Status answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public static async Task DeleteAsync(HttpClient http, Uri statusUrl)
    {
        using var response = await http.DeleteAsync(statusUrl);
    }

    /// <summary>Reads a URL to the end into a reused buffer; returns the bytes received.</summary>
    public static async Task<long> DrainAsync(HttpClient http, Uri url, byte[] buffer)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }
}
