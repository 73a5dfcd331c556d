using System.CommandLine;
using FhirBulk.Server;

namespace FhirBulk.Cli.Commands;

/// <summary>The <c>serve</c> options that inject faults, one per <see cref="FaultOptions"/> member.</summary>
internal sealed class FaultOptionSet
{
    private readonly Option<int> seed = new("--fault-seed") { Description = "Seed of fault decisions: the same requests meet the same faults." };
    private readonly Option<double> kickoffError = Rate("--kickoff-error", "transient 503s on kick-off");
    private readonly Option<double> statusError = Rate("--status-error", "transient 503s on status polls");
    private readonly Option<double> fileError = Rate("--file-error", "transient 503s on file downloads");
    private readonly Option<double> status429 = Rate("--status-429", "429 Too Many Requests on status polls");
    private readonly Option<string> retryAfterStyle = new Option<string>("--retry-after-style")
    {
        Description = "How injected Retry-After headers are written: seconds, http-date, or absurd (a year).",
        DefaultValueFactory = _ => "seconds",
    }.AcceptOnlyFromAmong("seconds", "http-date", "absurd");
    private readonly Option<int> retryAfter = new("--retry-after")
    {
        Description = "Seconds announced by injected Retry-After headers.",
        DefaultValueFactory = _ => 1,
        HelpName = "SECONDS",
    };
    private readonly Option<double> transientOutcome = Rate("--status-transient-outcome", "status responses that are an OperationOutcome with a transient issue");
    private readonly Option<double> cutFile = Rate("--cut-file", "downloads whose connection is cut mid-file");
    private readonly Option<int> cutAfterBytes = new("--cut-after-bytes")
    {
        Description = "Bytes sent before an injected cut.",
        DefaultValueFactory = _ => 1024,
        HelpName = "BYTES",
    };
    private readonly Option<double> cutGzip = Rate("--cut-gzip", "gzip downloads that stop halfway at a deflate flush point, without the gzip trailer (the HTTP response itself completes)");
    private readonly Option<double> bomFile = Rate("--bom-file", "files served with a UTF-8 byte-order mark first (always the same files; lengths and ranges count it)");
    private readonly Option<int> trickle = new("--trickle")
    {
        Description = "Send files no faster than this many bytes per second (0: full speed).",
        HelpName = "BYTES_PER_SECOND",
    };
    private readonly Option<int?> shortTokens = new("--short-tokens")
    {
        Description = "Access tokens live only this many seconds (tests renewal mid-export).",
        HelpName = "SECONDS",
    };
    private readonly Option<double> failedFile = Rate("--failed-file", "output files that fail and are listed in the manifest's error[]");
    private readonly Option<double> miscount = Rate("--miscount", "output files whose manifest count is one more than the file holds");
    private readonly Option<double> informationFile = Rate("--information-file", "exports whose manifest error[] lists one more file, of OperationOutcomes with only information issues (output unchanged)");
    private readonly Option<double> warningFile = Rate("--warning-file", "exports whose manifest error[] lists one more file, of OperationOutcomes with only warning issues (output unchanged)");
    private readonly Option<double> expiredFile = Rate("--expired-file", "downloads answered 410 Gone");
    private readonly Option<double> redirectFile = Rate("--redirect-file", "downloads redirected to another origin");
    private readonly Option<double> exportSeconds = new("--export-seconds")
    {
        Description = "Keep every export in progress (202) at least this long.",
        HelpName = "SECONDS",
    };

    private Option[] All =>
    [
        seed, kickoffError, statusError, fileError, status429, retryAfterStyle, retryAfter, transientOutcome,
        cutFile, cutAfterBytes, cutGzip, bomFile, trickle, shortTokens, failedFile, miscount, informationFile, warningFile,
        expiredFile, redirectFile, exportSeconds,
    ];

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary><see langword="true"/> when any fault option was given on the command line.</summary>
    public bool AnySet(ParseResult parseResult) =>
        All.Any(option => option != seed && parseResult.GetResult(option) is { Implicit: false });

    public FaultOptions Read(ParseResult parseResult) => new()
    {
        Seed = parseResult.GetValue(seed),
        KickoffErrorRate = parseResult.GetValue(kickoffError),
        StatusErrorRate = parseResult.GetValue(statusError),
        FileErrorRate = parseResult.GetValue(fileError),
        StatusTooManyRequestsRate = parseResult.GetValue(status429),
        RetryAfterStyle = parseResult.GetValue(retryAfterStyle) switch
        {
            "http-date" => RetryAfterStyle.HttpDate,
            "absurd" => RetryAfterStyle.Absurd,
            _ => RetryAfterStyle.Seconds,
        },
        RetryAfterSeconds = parseResult.GetValue(retryAfter),
        StatusTransientOutcomeRate = parseResult.GetValue(transientOutcome),
        CutFileRate = parseResult.GetValue(cutFile),
        CutFileAfterBytes = parseResult.GetValue(cutAfterBytes),
        CutGzipRate = parseResult.GetValue(cutGzip),
        BomFileRate = parseResult.GetValue(bomFile),
        TrickleBytesPerSecond = parseResult.GetValue(trickle),
        AccessTokenLifetimeSeconds = parseResult.GetValue(shortTokens),
        FailedFileRate = parseResult.GetValue(failedFile),
        MiscountRate = parseResult.GetValue(miscount),
        InformationFileRate = parseResult.GetValue(informationFile),
        WarningFileRate = parseResult.GetValue(warningFile),
        ExpiredFileRate = parseResult.GetValue(expiredFile),
        RedirectFileRate = parseResult.GetValue(redirectFile),
        ExportDurationSeconds = parseResult.GetValue(exportSeconds),
    };

    // A rate outside 0..1 is refused naming its option, not in the server's words for all rates at once.
    private static Option<double> Rate(string name, string what)
    {
        var option = new Option<double>(name)
        {
            Description = $"Fault: fraction (0..1) of {what}.",
            HelpName = "RATE",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is var rate && (rate is < 0 or > 1 || double.IsNaN(rate)))
            {
                result.AddError($"{name} is a fraction between 0 and 1, not {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            }
        });
        return option;
    }
}
