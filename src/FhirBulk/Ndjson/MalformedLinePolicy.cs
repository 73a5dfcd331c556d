namespace FhirBulk.Ndjson;

/// <summary>What a source does with a line that is not a FHIR resource.</summary>
public enum MalformedLinePolicy
{
    /// <summary>Record the line in <see cref="MalformedLineReport"/> and carry on (the default).</summary>
    Skip,

    /// <summary>Stop the run with a <see cref="MalformedNdjsonException"/> naming the file and line.</summary>
    Fail,
}
