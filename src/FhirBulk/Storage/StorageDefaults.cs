namespace FhirBulk.Storage;

/// <summary>The defaults and limits of <see cref="ObjectStoreOptions"/>, in one place.</summary>
public static class StorageDefaults
{
    /// <summary>
    /// Bytes buffered and sent as one S3 part or Azure block: a writer holds at most one part in memory, whatever the object's
    /// size. 8 MiB keeps a 10,000-part S3 upload able to reach 78 GiB.
    /// </summary>
    public const int PartSize = 8 * 1024 * 1024;

    /// <summary>The smallest part S3 accepts (except the last one); also the smallest <see cref="ObjectStoreOptions.PartSize"/>.</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>The largest <see cref="ObjectStoreOptions.PartSize"/>: one buffer per writer, kept well below the 2 GB array limit.</summary>
    public const int MaxPartSize = 512 * 1024 * 1024;

    /// <summary>The region an S3-compatible endpoint is signed for when <see cref="ObjectStoreOptions.S3Region"/> is not set.</summary>
    public const string S3EndpointRegion = "us-east-1";
}
