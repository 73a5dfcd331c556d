namespace FhirBulk.ExportFolder;

/// <summary>
/// Saves the export state as files complete, at most once per interval: a change inside the interval is saved when the
/// interval ends, and whatever is left on <see cref="Flush"/>.
/// </summary>
/// <remarks>
/// Saving after every file rewrites and fsyncs the whole state (all files) each time: quadratic in the number of
/// files, and the downloads that finish meanwhile wait for it. Deferring a save by up to one interval loses nothing: a
/// file renamed into place but not yet recorded is found on resume and verified from disk, never fetched again. A change
/// is never left waiting for the next one, though: a file written to an object store is not renamed into place, so one
/// reported complete but not yet recorded when the process is killed would be downloaded again.
/// </remarks>
internal sealed class StateSaver : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Action _save;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ITimer _deferred;
    private long _lastSave;
    private bool _dirty;
    private bool _scheduled;
    private bool _disposed;

    public StateSaver(Action save, TimeProvider time, TimeSpan interval)
    {
        _save = save;
        _time = time;
        _interval = interval;
        _lastSave = time.GetTimestamp();
        _deferred = time.CreateTimer(_ => SaveDeferred(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Records a change; saves now if the last save is older than the interval, else when the interval ends.</summary>
    public void Changed()
    {
        lock (_gate)
        {
            _dirty = true;
            var since = _time.GetElapsedTime(_lastSave);
            if (since >= _interval)
            {
                SaveLocked();
            }
            else if (!_scheduled && !_disposed)
            {
                _scheduled = true;
                _deferred.Change(_interval - since, Timeout.InfiniteTimeSpan);
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

    /// <summary>Stops the deferred save; what changed since the last save is the caller's to <see cref="Flush"/> first.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _deferred.Dispose();
    }

    private void SaveDeferred()
    {
        lock (_gate)
        {
            _scheduled = false;
            if (!_dirty || _disposed)
            {
                return;
            }

            try
            {
                SaveLocked();
            }
            catch (Exception)
            {
                // On a timer nobody can be told (and an exception there would end the process): the state stays dirty, and
                // the next change or the final Flush saves it again and reports the failure where the export can act on it.
            }
        }
    }

    private void SaveLocked()
    {
        _save();
        _dirty = false;
        _lastSave = _time.GetTimestamp();
    }
}
