namespace FhirBulk.ExportFolder;

/// <summary>
/// Saves the export state as files complete, at most once per interval, and whatever is left on <see cref="Flush"/>.
/// </summary>
/// <remarks>
/// Saving after every file rewrites and fsyncs the whole state (all files) each time: quadratic in the number of
/// files, and the downloads that finish meanwhile wait for it. Skipping saves loses nothing: a file renamed into
/// place but not yet recorded is found on resume and verified from disk, never fetched again.
/// </remarks>
internal sealed class StateSaver(Action save, TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private long _lastSave = time.GetTimestamp();
    private bool _dirty;

    /// <summary>Records a change; saves now if the last save is older than the interval.</summary>
    public void Changed()
    {
        lock (_gate)
        {
            _dirty = true;
            if (time.GetElapsedTime(_lastSave) >= interval)
            {
                SaveLocked();
            }
        }
    }

    /// <summary>Saves now, whatever the interval: for a change that must outlive a crash (the id of an upload just started).</summary>
    public void SaveNow()
    {
        lock (_gate)
        {
            SaveLocked();
        }
    }

    /// <summary>Saves if anything changed since the last save.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_dirty)
            {
                SaveLocked();
            }
        }
    }

    private void SaveLocked()
    {
        save();
        _dirty = false;
        _lastSave = time.GetTimestamp();
    }
}
