using FhirBulk.Storage;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Storage;

public class LocalObjectStoreTests
{
    [Fact]
    public async Task WriteAndMove_AnotherWriterRemovingTheFoldersItLeavesEmpty_EveryWriteLands()
    {
        using var dir = new TempFolder();
        using var store = ObjectStore.Create(dir.Path);
        var staging = Path.Combine(dir.Path, "_staging");
        const int Rounds = 2000;
        using var done = new CancellationTokenSource();

        // Another shard of the same lake removes _staging/ whenever it finds it empty (its store removes the folders its
        // deletes and moves leave empty), here about every two milliseconds, as often as a shard moving its parts: this
        // writer's folder under it can go between its being made and the file's being created in it.
        var remover = Task.Run(() =>
        {
            var removed = 0;
            while (!done.IsCancellationRequested)
            {
                try
                {
                    Directory.Delete(staging);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }

                Thread.SpinWait(50_000);
            }

            return removed;
        });
        try
        {
            for (var i = 0; i < Rounds; i++)
            {
                await store.WriteAsync($"_staging/run-{i}/v/part-{i}", new MemoryStream([1]));
                await store.MoveAsync($"_staging/run-{i}/v/part-{i}", $"v/part-{i}");
            }
        }
        finally
        {
            done.Cancel();
        }

        Assert.True(await remover > 0, "the other writer should have removed the empty staging folder at least once");
        Assert.Equal(Rounds, Directory.GetFiles(Path.Combine(dir.Path, "v")).Length);
    }
}
