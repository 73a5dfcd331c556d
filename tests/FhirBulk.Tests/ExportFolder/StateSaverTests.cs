using FhirBulk.ExportFolder;
using Microsoft.Extensions.Time.Testing;

namespace FhirBulk.Tests.ExportFolder;

public class StateSaverTests
{
    private readonly FakeTimeProvider _time = new();
    private int _saves;

    private StateSaver CreateSaver() => new(() => _saves++, _time, TimeSpan.FromSeconds(1));

    [Fact]
    public void Changed_WithinTheInterval_SavesOnlyOnce()
    {
        var saver = CreateSaver();
        _time.Advance(TimeSpan.FromSeconds(1));

        for (var i = 0; i < 100; i++)
        {
            saver.Changed();
        }

        Assert.Equal(1, _saves);
    }

    [Fact]
    public void Changed_AfterTheInterval_SavesAgain()
    {
        var saver = CreateSaver();
        _time.Advance(TimeSpan.FromSeconds(1));
        saver.Changed();

        _time.Advance(TimeSpan.FromMilliseconds(999));
        saver.Changed();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        saver.Changed();

        Assert.Equal(2, _saves);
    }

    [Fact]
    public void Flush_AfterAnUnsavedChange_Saves()
    {
        var saver = CreateSaver();
        saver.Changed();
        Assert.Equal(0, _saves);

        saver.Flush();

        Assert.Equal(1, _saves);
    }

    [Fact]
    public void Flush_NothingChangedSinceTheLastSave_DoesNotSave()
    {
        var saver = CreateSaver();
        saver.Flush();
        _time.Advance(TimeSpan.FromSeconds(5));
        saver.Changed();

        saver.Flush();

        Assert.Equal(1, _saves);
    }

    [Fact]
    public void Changed_WithinTheInterval_SavedWhenTheIntervalEndsWithoutAnotherChange()
    {
        using var saver = CreateSaver();
        _time.Advance(TimeSpan.FromSeconds(1));
        saver.Changed();
        _time.Advance(TimeSpan.FromMilliseconds(300));

        // The last file of a burst: nothing changes after it, yet it must reach the state within the interval.
        saver.Changed();
        Assert.Equal(1, _saves);
        _time.Advance(TimeSpan.FromMilliseconds(699));
        Assert.Equal(1, _saves);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, _saves);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, _saves);
    }

    [Fact]
    public void Changed_ThenDisposed_NoSaveAfterwards()
    {
        var saver = CreateSaver();
        saver.Changed();

        saver.Dispose();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, _saves);
    }

    [Fact]
    public void Changed_DeferredSaveFails_NextFlushSavesAgain()
    {
        var fail = true;
        using var saver = new StateSaver(() => { _saves++; if (fail) { throw new IOException("disk full"); } }, _time, TimeSpan.FromSeconds(1));
        saver.Changed();

        _time.Advance(TimeSpan.FromSeconds(1));
        fail = false;
        saver.Flush();

        Assert.Equal(2, _saves);
    }
}
