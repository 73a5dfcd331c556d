using System.Collections.Concurrent;

namespace FhirBulk.Server.Export;

/// <summary>Jobs by id; a cancelled or expired job is removed and its files deleted.</summary>
internal sealed class JobStore
{
    private readonly ConcurrentDictionary<string, ExportJob> _jobs = new(StringComparer.Ordinal);

    public void Add(ExportJob job) => _jobs[job.Id] = job;

    public bool TryGet(string id, out ExportJob job) => _jobs.TryGetValue(id, out job!);

    public int RunningFor(string clientId) => _jobs.Values.Count(j => j.ClientId == clientId && j.State == JobState.Running);

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
