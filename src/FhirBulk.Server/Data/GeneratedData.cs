namespace FhirBulk.Server.Data;

/// <summary>Names shared by the generator and the data store.</summary>
internal static class GeneratedData
{
    /// <summary>
    /// Deletions are kept beside the data as NDJSON of transaction Bundles with one DELETE entry each (the shape of the
    /// manifest's <c>deleted</c> files), as <c>Bundle.NNN.ndjson</c> in this subfolder of the data folder and of each
    /// step's folder: where an export folder keeps them, so that <c>inspect</c> counts them as deletions and
    /// <c>view</c> does not read them as resources.
    /// </summary>
    public const string DeletedFolder = "deleted";

    /// <summary>The prefix earlier versions gave deletion files at the top of the folder, which the store now refuses.</summary>
    public const string OldDeletedFilePrefix = "_deleted";

    /// <summary>Extension on a deletion Bundle naming the deleted resource's patient.</summary>
    public const string DeletedPatientExtension = "https://fhirbulk.dev/StructureDefinition/deleted-patient";
}
