using System.Diagnostics;
using System.Text.Json;
using FhirBulk.ExportFolder;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Storage;
using Microsoft.Extensions.Time.Testing;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// Issue 13: one writer per export prefix. The lock object (<c>.fhir-bulk.lock</c>) refuses a second export while its holder
/// lives, is renewed while held, is deleted on release, and a dead holder's lock is taken over with a warning. Run on the
/// local store (the lock is written through <see cref="ObjectStore"/> alone, so every store behaves alike).
/// </summary>
public sealed class StoreExportLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fhirbulk-store-lock-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero));
    private readonly CollectingLoggerFactory _logs = new();
    private readonly ObjectStore _store;

    public StoreExportLockTests() => _store = ObjectStore.Create(_folder);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AcquireAsync_WhileALiveProcessHoldsIt_RefusedNamingTheHolder()
    {
        await using var held = await AcquireAsync();

        var error = await Assert.ThrowsAsync<ExportFolderException>(AcquireAsync);

        Assert.StartsWith($"{_store.Location} is in use by another fhir-bulk export (process {Environment.ProcessId} on {Environment.MachineName}, last renewed ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("; wait for it to finish or stop it first.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_AfterTheHolderReleasedIt_TakenWithoutAWarning()
    {
        await (await AcquireAsync()).DisposeAsync();
        Assert.False(await _store.ExistsAsync(ExportFolderLayout.LockFileName));

        await using var again = await AcquireAsync();

        Assert.True(await _store.ExistsAsync(ExportFolderLayout.LockFileName));
        Assert.DoesNotContain(_logs.Messages, m => m.Contains("Took over", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AcquireAsync_LockOfAProcessOnThisHostThatHasEnded_TakenOverWithAWarning()
    {
        using var ended = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await ended.WaitForExitAsync();
        await WriteLockAsync(new LockRecord(Environment.MachineName, ended.Id, _time.GetUtcNow(), _time.GetUtcNow()));

        await using var taken = await AcquireAsync();

        Assert.Contains(_logs.Messages, m => m.StartsWith("Warning 24 Took over ", StringComparison.Ordinal) && m.Contains($"process {ended.Id} on {Environment.MachineName}", StringComparison.Ordinal));
        Assert.Equal(Environment.ProcessId, (await ReadLockAsync()).ProcessId);
    }

    [Theory]
    [InlineData(60, false)]
    [InlineData(119, false)]
    [InlineData(121, true)]
    public async Task AcquireAsync_AnotherHostsLock_TakenOverOnlyOnceNotRenewedForTwoMinutes(int secondsSinceRenewed, bool taken)
    {
        var renewed = _time.GetUtcNow().AddSeconds(-secondsSinceRenewed);
        await WriteLockAsync(new LockRecord("another-host", 4242, renewed.AddHours(-1), renewed));

        if (taken)
        {
            await using var held = await AcquireAsync();
            Assert.Equal(Environment.MachineName, (await ReadLockAsync()).Host);
        }
        else
        {
            var error = await Assert.ThrowsAsync<ExportFolderException>(AcquireAsync);
            Assert.Contains("(process 4242 on another-host, last renewed ", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AcquireAsync_LockThisVersionCannotRead_TakenOverAsStale()
    {
        await using (var garbage = new MemoryStream("not a lock"u8.ToArray()))
        {
            await _store.WriteAsync(ExportFolderLayout.LockFileName, garbage);
        }

        await using var taken = await AcquireAsync();

        Assert.Contains(_logs.Messages, m => m.StartsWith("Warning 24 Took over ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HeldLock_RenewedEvery30Seconds_SoAnotherHostSeesItAlive()
    {
        await using var held = await AcquireAsync();
        var first = (await ReadLockAsync()).Renewed;

        _time.Advance(TimeSpan.FromSeconds(30));

        // The renewal is written by the lock's own loop: wait for it, not for a fixed time.
        var deadline = Stopwatch.StartNew();
        while ((await ReadLockAsync()).Renewed == first && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        Assert.Equal(first.AddSeconds(30), (await ReadLockAsync()).Renewed);
    }

    private Task<StoreExportLock> AcquireAsync() => StoreExportLock.AcquireAsync(_store, _logs.CreateLogger("lock"), _time, CancellationToken.None);

    private async Task WriteLockAsync(LockRecord record)
    {
        await using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record, LockJsonContext.Default.LockRecord));
        await _store.WriteAsync(ExportFolderLayout.LockFileName, content);
    }

    private async Task<LockRecord> ReadLockAsync()
    {
        await using var content = await _store.OpenReadAsync(ExportFolderLayout.LockFileName);
        return (await JsonSerializer.DeserializeAsync(content, LockJsonContext.Default.LockRecord))!;
    }
}
