using System.Globalization;
using System.Security.Cryptography;
using FhirBulk.Server.Auth;
using FhirBulk.Server.Data;
using FhirBulk.Server.Faults;
using FhirBulk.Server.Fhir;
using FhirBulk.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Export;

/// <summary>The three <c>$export</c> kick-off endpoints, by GET (query) and POST (Parameters body).</summary>
internal static class KickoffEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ServerState state)
    {
        string[] methods = [HttpMethods.Get, HttpMethods.Post];
        app.MapMethods("/fhir/$export", methods, (Func<HttpContext, Task<IResult>>)(context => KickoffAsync(context, state, ExportLevel.System, null)));
        app.MapMethods("/fhir/Patient/$export", methods, (Func<HttpContext, Task<IResult>>)(context => KickoffAsync(context, state, ExportLevel.Patient, null)));
        app.MapMethods("/fhir/Group/{id}/$export", methods, (HttpContext context, string id) => KickoffAsync(context, state, ExportLevel.Group, id));
    }

    private static async Task<IResult> KickoffAsync(HttpContext context, ServerState state, ExportLevel level, string? groupId)
    {
        var (caller, rejection) = await RequestContext.AuthorizeAsync(context, state);
        if (rejection is not null)
        {
            return rejection;
        }

        var request = RequestContext.Of(context);
        // RFC 7240 separates preferences with commas, but "respond-async; handling=lenient" is common in the wild.
        var prefer = string.Join(',', context.Request.Headers["Prefer"].ToArray());
        var preferences = prefer.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var lenient = preferences.Contains("handling=lenient", StringComparer.OrdinalIgnoreCase);
        if (!preferences.Contains("respond-async", StringComparer.OrdinalIgnoreCase))
        {
            return FhirResponses.BadRequest("Bulk export is asynchronous: send Prefer: respond-async.");
        }

        var accept = context.Request.Headers.Accept.ToString();
        if (!accept.Contains(ServerDefaults.FhirJson, StringComparison.OrdinalIgnoreCase) && !(lenient && accept.Length == 0))
        {
            return FhirResponses.BadRequest($"Send Accept: {ServerDefaults.FhirJson} (got '{accept}').");
        }

        await state.Jobs.RemoveExpiredAsync(state.Clock.GetUtcNow(), state.Options.ExportRetention);
        var attempt = state.NextKickoff();
        if (state.InjectFault(request.Faults, request.Faults.KickoffErrorRate, "kickoff", "kickoff", attempt))
        {
            FaultDecider.SetRetryAfter(context.Response, request.Faults, state.Clock);
            return FhirResponses.Outcome(StatusCodes.Status503ServiceUnavailable, "transient", "The server is busy (injected fault); retry the kick-off.");
        }

        var isPost = HttpMethods.IsPost(context.Request.Method);
        var (parameters, bodyError) = isPost ? await KickoffParameters.FromBodyAsync(context) : (KickoffParameters.FromQuery(context.Request), null);
        if (bodyError is not null)
        {
            return FhirResponses.BadRequest(bodyError);
        }

        // One snapshot of the data for the whole export: a step applied meanwhile belongs to the next _since export.
        var store = state.Store;
        var dataNow = ServerState.DataNow(store, state.Clock);
        var (export, error) = ExportRequestParser.Parse(level, parameters!, isPost, lenient, dataNow);
        if (error is not null)
        {
            return FhirResponses.BadRequest(error);
        }

        IReadOnlySet<string>? scope = export!.Patients;
        IReadOnlySet<string>? joinedSince = null;
        if (level == ExportLevel.Group)
        {
            var members = new GroupReader(store).Members(groupId!, export.Since);
            if (members is null)
            {
                return FhirResponses.NotFound($"Group/{groupId} does not exist.");
            }

            if (scope is not null)
            {
                members.Patients.IntersectWith(scope);
            }

            scope = members.Patients;
            joinedSince = members.JoinedSince;
        }

        var (types, forbidden) = TypesFor(store, export, caller!);
        if (forbidden is not null)
        {
            return FhirResponses.Outcome(StatusCodes.Status403Forbidden, "forbidden", forbidden);
        }

        var job = Start(context, state, request, caller!, export, types, new ExportScope(store, dataNow, scope, joinedSince), attempt);
        if (job is null)
        {
            context.Response.Headers.RetryAfter = ((int)ServerDefaults.StatusRetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return FhirResponses.Outcome(StatusCodes.Status429TooManyRequests, "throttled",
                $"Client already has {state.Options.MaxConcurrentJobsPerClient} exports in progress; wait for one to finish or DELETE it.");
        }

        context.Response.Headers.ContentLocation = job.StatusUrl;
        return FhirResponses.Outcome(StatusCodes.Status202Accepted, "informational", "Export started; poll the Content-Location URL.", "information");
    }

    /// <summary>Admits and starts a job, or returns null when the client is at its concurrent-export limit.</summary>
    private static ExportJob? Start(HttpContext context, ServerState state, RequestContext request, Caller caller, ExportRequest export, IReadOnlyList<string> types, ExportScope scope, long ordinal)
    {
        var id = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var job = new ExportJob
        {
            Id = id,
            Ordinal = ordinal,
            ClientId = caller.ClientId,
            Request = export,
            Types = types,
            RequestUrl = $"{state.Origin}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}",
            BaseUrl = request.FhirBase,
            Faults = request.Faults,
            Directory = Path.Combine(state.JobsDirectory, id),
            TransactionTime = scope.TransactionTime,
            StartedAt = state.Clock.GetUtcNow(),
            RequiresAccessToken = state.Options.RequireAuth && !state.Options.CapabilityUrls,
        };
        if (!state.Jobs.TryAdmit(job, state.Options.MaxConcurrentJobsPerClient, state.Clock.GetUtcNow()))
        {
            job.Cancellation.Dispose();
            return null;
        }

        Directory.CreateDirectory(job.Directory);
        ServerLog.ExportStarted(state.Logger, job.Id, job.ClientId, job.RequestUrl);
        var runner = new ExportRunner(job, scope, request.Faults.ResourcesPerFile ?? state.Options.ResourcesPerFile, state.InjectFault);
        job.Work = Task.Run(() =>
        {
            try
            {
                runner.Run();
                job.CompletedAt = state.Clock.GetUtcNow();
                job.State = JobState.Completed;
                ServerLog.ExportCompleted(state.Logger, job.Id, job.Output.Count, job.Errors.Count);
            }
            catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A job that dies must say so on the status URL rather than stay "in progress" forever.
                ServerLog.ExportFailed(state.Logger, job.Id, exception);
                job.FailureMessage = $"The export failed: {exception.Message}";
                job.State = JobState.Failed;

                // Failed jobs expire like completed ones; otherwise their folders and slots would be kept forever.
                job.CompletedAt = state.Clock.GetUtcNow();
            }
        }, CancellationToken.None);
        return job;
    }

    /// <summary>The types to export: those asked for, or all the level covers, limited to what the token's scopes allow.</summary>
    private static (IReadOnlyList<string> Types, string? Forbidden) TypesFor(ResourceStore store, ExportRequest export, Caller caller)
    {
        if (export.Types.Count > 0)
        {
            var refused = export.Types.Where(t => !caller.Scopes.CanExport(t)).ToList();
            return refused.Count > 0
                ? ([], $"The access token's scopes ('{caller.Scopes.Text}') do not allow reading {string.Join(", ", refused)}.")
                : (export.Types, null);
        }

        var all = store.Types.Where(t => export.Level == ExportLevel.System || ResourceTypes.InPatientCompartment(t));
        return (all.Where(caller.Scopes.CanExport).ToList(), null);
    }
}
