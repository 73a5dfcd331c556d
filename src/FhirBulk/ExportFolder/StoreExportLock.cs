using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FhirBulk.Diagnostics;
using FhirBulk.Storage;
using Microsoft.Extensions.Logging;

namespace FhirBulk.ExportFolder;

/// <summary>
/// One writer per export prefix in an object store: a lock object (<c>.fhir-bulk.lock</c>) naming its holder's host and
/// process, renewed while held and deleted on release.
/// </summary>
/// <remarks>
/// What it guarantees: an export or resume started while another runs under the same prefix is refused, naming the holder.
/// What it does not: it is read, then written, so two exports started within the same moment can both take it; closing that
/// needs a create-if-absent write (S3 <c>If-None-Match</c>, an Azure lease), which the emulators the tests run against do not
/// all honour (s3rver ignores conditions), so it is not relied on. A lock a killed run left is taken over when its process is
/// gone (same host) or it has not been renewed for <see cref="StaleAfter"/> (another host).
/// </remarks>
internal sealed class StoreExportLock : IAsyncDisposable
{
    /// <summary>How often a held lock is renewed.</summary>
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);

    /// <summary>A lock not renewed for this long is a dead holder's (four missed renewals).</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(2);

    private readonly ObjectStore _store;
    private readonly LockRecord _record;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;

    private StoreExportLock(ObjectStore store, LockRecord record, TimeProvider time)
    {
        _store = store;
        _record = record;
        _time = time;
        _renewal = RenewAsync();
    }

    /// <exception cref="ExportFolderException">A live holder has the lock.</exception>
    /// <exception cref="StorageException">The store could not be read or written.</exception>
    public static async Task<StoreExportLock> AcquireAsync(ObjectStore store, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await ReadAsync(store, cancellationToken).ConfigureAwait(false) is { } holder)
        {
            var holderText = $"process {holder.ProcessId} on {holder.Host}, last renewed {holder.Renewed.ToString("u", CultureInfo.InvariantCulture)}";
            if (IsAlive(holder, time))
            {
                throw new ExportFolderException(
                    store.Location.ToString(),
                    $"{store.Location} is in use by another fhir-bulk export ({holderText}); wait for it to finish or stop it first.");
            }

            Log.StaleLockTaken(logger, store.Describe(ExportFolderLayout.LockFileName), holderText);
        }

        var now = time.GetUtcNow();
        var record = new LockRecord(Environment.MachineName, Environment.ProcessId, now, now);
        await WriteAsync(store, record, cancellationToken).ConfigureAwait(false);
        return new StoreExportLock(store, record, time);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        try
        {
            await _store.DeleteAsync(ExportFolderLayout.LockFileName, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // Left behind, it is taken over as stale by the next run; the failure being reported (if any) matters more.
        }
    }

    private static bool IsAlive(LockRecord holder, TimeProvider time)
    {
        if (holder.Host == Environment.MachineName)
        {
            try
            {
                using var process = Process.GetProcessById(holder.ProcessId);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        return time.GetUtcNow() - holder.Renewed < StaleAfter;
    }

    private static async Task<LockRecord?> ReadAsync(ObjectStore store, CancellationToken cancellationToken)
    {
        if (!await store.ExistsAsync(ExportFolderLayout.LockFileName, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            var content = await store.OpenReadAsync(ExportFolderLayout.LockFileName, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(content, LockJsonContext.Default.LockRecord, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StorageException e) when (e.ErrorCode is "NotFound" or "NoSuchKey" or "BlobNotFound")
        {
            // Released between the check and the read.
            return null;
        }
        catch (JsonException)
        {
            // Not a lock this version wrote: nobody renews it, so it is stale.
            return new LockRecord("?", 0, DateTimeOffset.MinValue, DateTimeOffset.MinValue);
        }
    }

    private static async Task WriteAsync(ObjectStore store, LockRecord record, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record, LockJsonContext.Default.LockRecord));
        await store.WriteAsync(ExportFolderLayout.LockFileName, content, cancellationToken).ConfigureAwait(false);
    }

    private async Task RenewAsync()
    {
        using var timer = new PeriodicTimer(RenewEvery, _time);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                await WriteAsync(_store, _record with { Renewed = _time.GetUtcNow() }, _stop.Token).ConfigureAwait(false);
            }
            catch (StorageException)
            {
                // A missed renewal is tried again at the next tick; only four in a row let another host take the lock.
            }
        }
    }
}

/// <summary>The lock object's content: who holds it, never a credential.</summary>
internal sealed record LockRecord(string Host, int ProcessId, DateTimeOffset Started, DateTimeOffset Renewed);

[JsonSerializable(typeof(LockRecord))]
internal sealed partial class LockJsonContext : JsonSerializerContext;
