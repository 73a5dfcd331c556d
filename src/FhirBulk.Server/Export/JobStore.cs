using System.Collections.Concurrent;

namespace FhirBulk.Server.Export;

/// <summary>Jobs by id; a cancelled or expired job is removed and its files deleted.</summary>
internal sealed class JobStore
{
    private readonly ConcurrentDictionary<string, ExportJob> _jobs = new(StringComparer.Ordinal);

    private readonly Lock _admission = new();

    /// <summary>Adds the job unless its client already has <paramref name="limit"/> exports in progress; check and add are one step.</summary>
    public bool TryAdmit(ExportJob job, int limit, DateTimeOffset now)
    {
        lock (_admission)
        {
            if (InProgressFor(job.ClientId, now) >= limit)
            {
                return false;
            }

            _jobs[job.Id] = job;
            return true;
        }
    }

    public bool TryGet(string id, out ExportJob job) => _jobs.TryGetValue(id, out job!);

    /// <summary>Jobs the client sees as in progress (still running, or held at 202 by the export-duration fault).</summary>
    public int InProgressFor(string clientId, DateTimeOffset now) =>
        _jobs.Values.Count(j => j.ClientId == clientId && j.IsInProgress(now));

    /// <summary>Removes a job, stops it and deletes its folder once it has stopped.</summary>
    public async Task RemoveAsync(ExportJob job)
    {
        if (!_jobs.TryRemove(job.Id, out _))
        {
            return;
        }

        await job.Cancellation.CancelAsync();
        try
        {
            await job.Work;
        }
        catch (OperationCanceledException)
        {
            // Expected: the job was cancelled.
        }

        DeleteFolder(job.Directory);
        job.Cancellation.Dispose();
    }

    /// <summary>Drops completed jobs whose files have outlived the retention period (checked on each kick-off).</summary>
    public async Task RemoveExpiredAsync(DateTimeOffset now, TimeSpan retention)
    {
        foreach (var job in _jobs.Values.Where(j => j.CompletedAt is { } completed && now > completed + retention).ToList())
        {
            await RemoveAsync(job);
        }
    }

    public async Task RemoveAllAsync()
    {
        foreach (var job in _jobs.Values.ToList())
        {
            await RemoveAsync(job);
        }
    }

    private static void DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was written.
        }
        catch (IOException)
        {
            // A download still holds a file open; the server's work folder is removed on stop.
        }
    }
}
