using System.CommandLine;
using System.Globalization;
using FhirBulk.Export;

namespace FhirBulk.Cli.Commands;

/// <summary><c>--max-wait</c> and <c>--stall-timeout</c>: how long an export waits for a server that asks it to, or that stopped answering.</summary>
internal sealed class WaitOptions
{
    public Option<string?> MaxWait { get; } = new("--max-wait")
    {
        Description = "How long status polls keep honouring a server that answers 429 or a transient OperationOutcome in a row; no single wait is longer (e.g. 90s, 30m, 2h). Default: 1h.",
        HelpName = "DURATION",
    };

    public Option<string?> StallTimeout { get; } = new("--stall-timeout")
    {
        Description = "Give up (exit 5, resumable) when the server sends no answer and no byte for this long (e.g. 30s, 5m). Default: 2m.",
        HelpName = "DURATION",
    };

    public IEnumerable<Option> All => [MaxWait, StallTimeout];

    public void Apply(ParseResult parseResult, BulkDataClientOptions options)
    {
        if (parseResult.GetValue(MaxWait) is { } maxWait)
        {
            options.MaxPollWait = Parse(maxWait, MaxWait.Name, allowZero: true);
        }

        if (parseResult.GetValue(StallTimeout) is { } stall)
        {
            options.StallTimeout = Parse(stall, StallTimeout.Name, allowZero: false);
        }
    }

    /// <summary>A duration as <see cref="Parse"/> reads it back, in its largest whole unit: <c>1h</c>, <c>30m</c>, <c>90s</c>.</summary>
    internal static string Format(TimeSpan duration) => duration switch
    {
        { Ticks: > 0, TotalHours: var h } when h == Math.Floor(h) => string.Create(CultureInfo.InvariantCulture, $"{h}h"),
        { Ticks: > 0, TotalMinutes: var m } when m == Math.Floor(m) => string.Create(CultureInfo.InvariantCulture, $"{m}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds}s"),
    };

    /// <summary>A duration as people write it: <c>90</c> or <c>90s</c> (seconds), <c>30m</c>, <c>2h</c>.</summary>
    internal static TimeSpan Parse(string text, string option, bool allowZero)
    {
        var trimmed = text.Trim();
        var (number, unit) = trimmed.Length > 0 && char.IsAsciiLetter(trimmed[^1]) ? (trimmed[..^1], char.ToLowerInvariant(trimmed[^1])) : (trimmed, 's');
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0
            || (value == 0 && !allowZero) || unit is not ('s' or 'm' or 'h') || value * (unit == 'h' ? 3600 : unit == 'm' ? 60 : 1) > TimeSpan.FromDays(365).TotalSeconds)
        {
            throw new CliException($"{option} '{text}' is not a duration{(allowZero ? string.Empty : " above zero")} (e.g. 90s, 30m, 2h).", ExitCodes.Usage);
        }

        return TimeSpan.FromSeconds(value * (unit == 'h' ? 3600 : unit == 'm' ? 60 : 1));
    }
}
