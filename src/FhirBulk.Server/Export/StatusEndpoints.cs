using System.Globalization;
using System.Text.Json;
using FhirBulk.Server.Faults;
using FhirBulk.Server.Fhir;
using FhirBulk.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FhirBulk.Server.Export;

/// <summary>The status URL: 202 with progress, 200 with the manifest, DELETE to cancel.</summary>
internal static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ServerState state)
    {
        app.MapGet("/fhir/bulkstatus/{id}", (HttpContext context, string id) => StatusAsync(context, state, id));
        app.MapDelete("/fhir/bulkstatus/{id}", (HttpContext context, string id) => DeleteAsync(context, state, id));
    }

    /// <summary>Finds the caller's job; another client's job is reported as missing, not forbidden, so ids do not leak.</summary>
    public static async Task<(ExportJob? Job, IResult? Rejection)> FindAsync(HttpContext context, ServerState state, string id)
    {
        var (caller, rejection) = await RequestContext.AuthorizeAsync(context, state);
        if (rejection is not null)
        {
            return (null, rejection);
        }

        if (!state.Jobs.TryGet(id, out var job) || job.ClientId != caller!.ClientId)
        {
            return (null, FhirResponses.NotFound($"Export {id} does not exist (finished and expired, cancelled, or never started)."));
        }

        if (job.CompletedAt is { } completed && state.Clock.GetUtcNow() > completed + state.Options.ExportRetention)
        {
            await state.Jobs.RemoveAsync(job);
            return (null, FhirResponses.NotFound($"Export {id} has expired."));
        }

        return (job, null);
    }

    private static async Task<IResult> StatusAsync(HttpContext context, ServerState state, string id)
    {
        var (job, rejection) = await FindAsync(context, state, id);
        if (job is null)
        {
            return rejection!;
        }

        var faults = job.Faults;
        // Status faults share one target across jobs, so the job's ordinal keeps each job's polls a sequence of their own.
        var call = (job.Ordinal << 20) + job.NextStatusCall();
        if (state.InjectFault(faults, faults.StatusErrorRate, "statusError", "status", call))
        {
            FaultDecider.SetRetryAfter(context.Response, faults, state.Clock);
            return FhirResponses.Outcome(StatusCodes.Status503ServiceUnavailable, "transient", "The server is busy (injected fault); poll again.");
        }

        if (state.InjectFault(faults, faults.StatusTooManyRequestsRate, "status429", "status", call))
        {
            FaultDecider.SetRetryAfter(context.Response, faults, state.Clock);
            return FhirResponses.Outcome(StatusCodes.Status429TooManyRequests, "throttled", "Polling too often (injected fault); honour Retry-After.");
        }

        if (state.InjectFault(faults, faults.StatusTransientOutcomeRate, "statusTransient", "status", call))
        {
            return FhirResponses.Outcome(StatusCodes.Status500InternalServerError, "transient", "A transient error occurred (injected fault); the export continues, poll again.");
        }

        if (job.State == JobState.Running)
        {
            // A job still at work is given up to the wait it would ask for to finish before the answer: a small export (a
            // sync's increment) then answers its first poll with the manifest instead of asking the client to come back
            // in a second, and a long one is polled no more often than Retry-After says. Real time: the data's simulated
            // clock does not make the work faster.
            await Task.WhenAny(job.Work, Task.Delay(ServerDefaults.StatusRetryAfter, context.RequestAborted));
        }

        var now = state.Clock.GetUtcNow();
        if (job.IsInProgress(now))
        {
            var progress = job.State == JobState.Running ? job.Progress
                : Math.Min(0.99, (now - job.StartedAt).TotalSeconds / Math.Max(0.001, faults.ExportDurationSeconds));
            context.Response.Headers["X-Progress"] = $"{(int)(progress * 100)}% complete";
            context.Response.Headers.RetryAfter = ((int)ServerDefaults.StatusRetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            context.Response.Headers.CacheControl = "no-store";
            return Results.StatusCode(StatusCodes.Status202Accepted);
        }

        if (job.State == JobState.Failed)
        {
            return FhirResponses.Outcome(StatusCodes.Status500InternalServerError, "exception", job.FailureMessage ?? "The export failed.");
        }

        var page = 1;
        if (context.Request.Query.TryGetValue("page", out var pageText) && (!int.TryParse(pageText, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            return FhirResponses.BadRequest($"page '{pageText}' must be a positive integer.");
        }

        context.Response.Headers.Expires = (job.CompletedAt!.Value + state.Options.ExportRetention).ToString("r", CultureInfo.InvariantCulture);
        return FhirResponses.Json(StatusCodes.Status200OK, json => ManifestWriter.Write(json, state, job, page), "application/json");
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, ServerState state, string id)
    {
        var (job, rejection) = await FindAsync(context, state, id);
        if (job is null)
        {
            return rejection!;
        }

        await state.Jobs.RemoveAsync(job);
        ServerLog.ExportCancelled(state.Logger, job.Id);
        return FhirResponses.Outcome(StatusCodes.Status202Accepted, "informational", $"Export {id} was cancelled and its files deleted.", "information");
    }
}
