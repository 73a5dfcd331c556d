namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>
/// Samples the managed heap every 50 ms and keeps the peak, so a peak RSS can be split into what
/// .NET holds and what native code (DuckDB) holds.
/// </summary>
internal sealed class HeapSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public HeapSampler() => _loop = Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            var info = GC.GetGCMemoryInfo();
            PeakCommittedBytes = Math.Max(PeakCommittedBytes, info.TotalCommittedBytes);
            try
            {
                await Task.Delay(50, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    });

    public long PeakCommittedBytes { get; private set; }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait();
        _stop.Dispose();
    }
}
