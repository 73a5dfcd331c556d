namespace FhirBulk.Server.Data;

/// <summary>Names shared by the generator and the data store.</summary>
internal static class GeneratedData
{
    /// <summary>
    /// Deletions are kept beside the data as NDJSON of transaction Bundles with one DELETE entry each
    /// (the shape of the manifest's <c>deleted</c> files), in files whose names start with this prefix.
    /// </summary>
    public const string DeletedFilePrefix = "_deleted";

    /// <summary>Extension on a deletion Bundle naming the deleted resource's patient.</summary>
    public const string DeletedPatientExtension = "https://fhirbulk.dev/StructureDefinition/deleted-patient";
}
