namespace FhirBulk.Ndjson;

/// <summary>
/// Thrown under <see cref="ErrorPolicy.Fail"/> when a line is not a FHIR resource (see <see cref="ResourceLine"/>
/// for what one is), or, as <see cref="TruncatedGzipException"/>, when a gzip file is cut short. The message is
/// <c>{file}:{line}: {problem}</c>, as <see cref="MalformedLine.ToString"/> words a skipped line.
/// </summary>
public class MalformedNdjsonException : FhirBulkException
{
    /// <summary>Creates the exception for <paramref name="line"/>.</summary>
    /// <param name="line">The offending line.</param>
    public MalformedNdjsonException(MalformedLine line)
        : base(Describe(line))
    {
        SourceName = line.SourceName;
        LineNumber = line.LineNumber;
    }

    /// <summary>The file (or <c>stdin</c>) holding the line.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line number within <see cref="SourceName"/>.</summary>
    public long LineNumber { get; }

    private static string Describe(MalformedLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.ToString();
    }
}
