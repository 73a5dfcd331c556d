using System.Globalization;
using System.Text.Json;
using FhirBulk.Server.Hosting;

namespace FhirBulk.Server.Export;

/// <summary>
/// The complete-status manifest (Bulk Data IG, "Response - Complete Status"). With
/// <c>allowPartialManifests=true</c> the output list is paged and each page links to the next.
/// </summary>
internal static class ManifestWriter
{
    public static void Write(Utf8JsonWriter json, ServerState state, ExportJob job, int page)
    {
        var pageSize = job.Request.AllowPartialManifests ? state.Options.ManifestPageSize : int.MaxValue;
        var pages = Math.Max(1, (int)Math.Ceiling(job.Output.Count / (double)pageSize));
        var outputs = job.Output.Skip((int)Math.Min(int.MaxValue, (long)(page - 1) * pageSize)).Take(pageSize);

        json.WriteStartObject();
        var transactionTime = job.TransactionTime.UtcDateTime;
        json.WriteString("transactionTime"u8, job.Faults.TransactionTimeStyle switch
        {
            TransactionTimeStyle.Malformed => transactionTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
            TransactionTimeStyle.Earlier => transactionTime.AddYears(-1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            _ => transactionTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        });
        json.WriteString("request"u8, job.RequestUrl);
        json.WriteBoolean("requiresAccessToken"u8, job.RequiresAccessToken);
        if (job.Request.OrganizeOutputBy is { } organizedBy)
        {
            json.WriteString("outputOrganizedBy"u8, organizedBy);
        }

        // The miscount fault models a server miscounting the resources it exported, so it targets output only.
        WriteFiles(json, "output"u8, state, job, outputs, miscount: true);

        // Errors and deletions are listed once, on the first page.
        WriteFiles(json, "error"u8, state, job, page == 1 ? job.Errors : [], miscount: false);
        if (job.Request.Since is not null)
        {
            WriteFiles(json, "deleted"u8, state, job, page == 1 ? job.Deleted : [], miscount: false);
        }

        if (page < pages)
        {
            json.WriteStartArray("link"u8);
            json.WriteStartObject();
            json.WriteString("relation"u8, "next");
            json.WriteString("url"u8, $"{job.StatusUrl}?page={page + 1}");
            json.WriteEndObject();
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteFiles(Utf8JsonWriter json, ReadOnlySpan<byte> name, ServerState state, ExportJob job, IEnumerable<OutputFile> files, bool miscount)
    {
        json.WriteStartArray(name);
        foreach (var file in files)
        {
            json.WriteStartObject();
            if (file.Type is not null)
            {
                json.WriteString("type"u8, file.Type);
            }

            json.WriteString("url"u8, state.Options.CapabilityUrls ? state.CapabilityUrl(job, file.RelativePath) : $"{job.BaseUrl}/bulkfiles/{job.Id}/{file.RelativePath}");
            // Keyed on the file and the job, not on the poll, so every poll and page reports the same wrong count.
            var wrong = miscount && state.InjectFault(job.Faults, job.Faults.MiscountRate, "miscount", file.RelativePath, job.Ordinal);
            json.WriteNumber("count"u8, wrong ? file.Count + 1 : file.Count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
