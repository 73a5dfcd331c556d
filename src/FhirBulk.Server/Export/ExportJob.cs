using System.Collections.Concurrent;

namespace FhirBulk.Server.Export;

/// <summary>The state of an export job.</summary>
internal enum JobState
{
    Running,
    Completed,
    Failed,
}

/// <summary>One manifest entry: a file in the job folder (path relative to it) and its resource count.</summary>
internal sealed record OutputFile(string? Type, string RelativePath, long Count);

/// <summary>An export in progress or done: what was asked, by whom, and the files written so far.</summary>
internal sealed class ExportJob
{
    private readonly ConcurrentDictionary<string, long> _fileCalls = new(StringComparer.Ordinal);
    private long _statusCalls;
    private volatile JobState _state;
    private int _progressPercent;

    public required string Id { get; init; }

    /// <summary>Kick-off sequence number; fault decisions key on it so they repeat across runs (ids are random).</summary>
    public required long Ordinal { get; init; }

    public required string ClientId { get; init; }

    public required ExportRequest Request { get; init; }

    public required IReadOnlyList<string> Types { get; init; }

    public required string RequestUrl { get; init; }

    /// <summary>The FHIR base the kick-off came in on, including any fault segment: <c>http://127.0.0.1:P[/seg]/fhir</c>.</summary>
    public required string BaseUrl { get; init; }

    public required FaultOptions Faults { get; init; }

    public required string Directory { get; init; }

    /// <summary>The data's time at kick-off (the manifest's <c>transactionTime</c>): the server clock, or a simulated timeline's.</summary>
    public required DateTimeOffset TransactionTime { get; init; }

    /// <summary>The server clock at kick-off; durations are measured from it, as a simulated transactionTime is no clock reading.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    public required bool RequiresAccessToken { get; init; }

    public CancellationTokenSource Cancellation { get; } = new();

    public Task Work { get; set; } = Task.CompletedTask;

    /// <summary>Set by the runner thread, read by request threads.</summary>
    public JobState State
    {
        get => _state;
        set => _state = value;
    }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? FailureMessage { get; set; }

    /// <summary>Fraction done, 0..1, updated by the runner thread.</summary>
    public double Progress
    {
        get => Volatile.Read(ref _progressPercent) / 100.0;
        set => Volatile.Write(ref _progressPercent, (int)(value * 100));
    }

    public List<OutputFile> Output { get; } = [];

    public List<OutputFile> Errors { get; } = [];

    public List<OutputFile> Deleted { get; } = [];

    public string StatusUrl => $"{BaseUrl}/bulkstatus/{Id}";

    /// <remarks>
    /// Compared in seconds rather than as <c>StartedAt + duration</c>: a URL may ask for any duration,
    /// and a huge one must hold the job at 202, not overflow a <see cref="TimeSpan"/> on every later poll.
    /// </remarks>
    public bool IsInProgress(DateTimeOffset now) =>
        State == JobState.Running || (now - StartedAt).TotalSeconds < Faults.ExportDurationSeconds;

    public long NextStatusCall() => Interlocked.Increment(ref _statusCalls);

    public long NextFileCall(string path) => _fileCalls.AddOrUpdate(path, 1, (_, n) => n + 1);
}
