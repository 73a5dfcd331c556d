using FhirBulk.Server.Faults;
using FhirBulk.Server.Fhir;
using FhirBulk.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FhirBulk.Server.Export;

/// <summary>
/// Export file downloads: on the FHIR origin (bearer token when the manifest says so) and on the second
/// origin by signed capability URL, where a bearer token is a leak and is refused.
/// </summary>
internal static class FileEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ServerState state)
    {
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/fhir/bulkfiles/{id}/{**path}", methods, (HttpContext context, string id, string path) => PrimaryAsync(context, state, id, path));
        app.MapMethods("/files/{id}/{**path}", methods, (HttpContext context, string id, string path) => CapabilityAsync(context, state, id, path));
    }

    private static async Task<IResult> PrimaryAsync(HttpContext context, ServerState state, string id, string path)
    {
        var (job, rejection) = await StatusEndpoints.FindAsync(context, state, id);
        if (job is null)
        {
            return rejection!;
        }

        var file = Resolve(job, path);
        if (file is null)
        {
            return FhirResponses.NotFound($"Export {id} has no file '{path}'.");
        }

        var faults = job.Faults;
        var call = job.NextFileCall(path);
        var target = $"{job.Ordinal}/{path}";
        if (state.InjectFault(faults, faults.RedirectFileRate, "redirectFile", target, call))
        {
            return Results.Redirect(state.CapabilityUrl(job, path), permanent: false, preserveMethod: true);
        }

        return await ServeAsync(context, state, job, path, file, call);
    }

    private static async Task<IResult> CapabilityAsync(HttpContext context, ServerState state, string id, string path)
    {
        if (context.Connection.LocalPort != state.SecondPort)
        {
            return FhirResponses.NotFound("Not found.");
        }

        if (context.Request.Headers.Authorization.Count > 0)
        {
            // The manifest said requiresAccessToken: false, or this is a cross-origin redirect target: a token here leaked.
            state.RecordTokenLeak(context.Request.Path);
            return FhirResponses.Outcome(StatusCodes.Status400BadRequest, "security",
                "An Authorization header was sent to a file URL on another origin; bearer tokens must not leave the FHIR server's origin.");
        }

        if (!state.VerifyCapability(id, path, context.Request.Query["sig"]) || !state.Jobs.TryGet(id, out var job) || Resolve(job, path) is not { } file)
        {
            return FhirResponses.NotFound("No file at this capability URL (bad signature, or the export is gone).");
        }

        return await ServeAsync(context, state, job, path, file, job.NextFileCall(path));
    }

    private static async Task<IResult> ServeAsync(HttpContext context, ServerState state, ExportJob job, string path, string file, long call)
    {
        var faults = job.Faults;
        var target = $"{job.Ordinal}/{path}";
        if (state.InjectFault(faults, faults.ExpiredFileRate, "expiredFile", target, call))
        {
            return FhirResponses.Outcome(StatusCodes.Status410Gone, "expired", $"File {path} has expired (injected fault); start a new export.");
        }

        if (state.InjectFault(faults, faults.FileErrorRate, "fileError", target, call))
        {
            FaultDecider.SetRetryAfter(context.Response, faults, state.Clock);
            return FhirResponses.Outcome(StatusCodes.Status503ServiceUnavailable, "transient", $"File {path} is temporarily unavailable (injected fault); retry.");
        }

        // Call 0, not this call: the mark is part of the file's bytes, which every download and range of it must agree on.
        var bom = state.InjectFault(faults, faults.BomFileRate, "bomFile", target, 0);
        int? cut = state.InjectFault(faults, faults.CutFileRate, "cutFile", target, call) ? faults.CutFileAfterBytes : null;
        var cutGzip = state.InjectFault(faults, faults.CutGzipRate, "cutGzip", target, call);
        await FileSender.SendAsync(context, file, bom, cut, cutGzip, faults.TrickleBytesPerSecond);
        return Results.Empty;
    }

    /// <summary>The file's full path, or null when it is not one of the job's listed files (no path tricks).</summary>
    private static string? Resolve(ExportJob job, string path)
    {
        if (job.State != JobState.Completed)
        {
            return null;
        }

        var listed = job.Output.Concat(job.Errors).Concat(job.Deleted).Any(f => f.RelativePath == path);
        return listed ? Path.Combine(job.Directory, path) : null;
    }
}
