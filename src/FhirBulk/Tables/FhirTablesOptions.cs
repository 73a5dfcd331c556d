namespace FhirBulk.Tables;

/// <summary>How <see cref="FhirTables"/> runs views.</summary>
public sealed class FhirTablesOptions
{
    /// <summary>What to do when a view fails on a resource.</summary>
    /// <value>The default value is <see cref="ErrorPolicy.Skip"/>.</value>
    public ErrorPolicy ViewErrors { get; set; } = ErrorPolicy.Skip;

    /// <summary>How many view failures <see cref="TableRunResult.ViewErrors"/> keeps in full.</summary>
    /// <value>The default value is <see cref="FhirTablesDefaults.MaxReportedViewErrors"/>.</value>
    public int MaxReportedViewErrors { get; set; } = FhirTablesDefaults.MaxReportedViewErrors;

    /// <summary>The least time between two progress reports.</summary>
    /// <value>The default value is <see cref="FhirTablesDefaults.ProgressInterval"/>.</value>
    public TimeSpan ProgressInterval { get; set; } = FhirTablesDefaults.ProgressInterval;

    /// <summary>
    /// How many threads evaluate views at once, each on its own batch of resources, while the
    /// calling thread reads the input and writes rows. Rows are written in reading order whatever the
    /// value; above 1 the views' <see cref="Views.ICompiledView.Evaluate"/> must be thread-safe
    /// (the ViewDefinition engine's views are).
    /// </summary>
    /// <value>
    /// The default value is <see cref="Environment.ProcessorCount"/>; set 1 for per-core
    /// throughput figures or for views that are not thread-safe.
    /// </value>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>The clock for progress reports and timings.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal FhirTablesOptions Validated()
    {
        if (!Enum.IsDefined(ViewErrors))
        {
            throw new ArgumentOutOfRangeException(nameof(ViewErrors), ViewErrors, "Unknown policy.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxReportedViewErrors, nameof(MaxReportedViewErrors));
        ArgumentOutOfRangeException.ThrowIfLessThan(ProgressInterval, TimeSpan.Zero, nameof(ProgressInterval));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDegreeOfParallelism, 1, nameof(MaxDegreeOfParallelism));
        return new FhirTablesOptions
        {
            ViewErrors = ViewErrors,
            MaxReportedViewErrors = MaxReportedViewErrors,
            ProgressInterval = ProgressInterval,
            TimeProvider = TimeProvider,
            MaxDegreeOfParallelism = MaxDegreeOfParallelism,
        };
    }
}

/// <summary>Defaults of <see cref="FhirTablesOptions"/>.</summary>
public static class FhirTablesDefaults
{
    /// <summary>How many view failures a result keeps in full.</summary>
    public const int MaxReportedViewErrors = 10;

    /// <summary>Often enough for a live progress bar, rare enough to cost nothing.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
}
