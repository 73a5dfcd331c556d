namespace FhirBulk.Storage;

/// <summary>The kind of store a <see cref="StorageLocation"/> names.</summary>
public enum StorageKind
{
    /// <summary>A folder on a local (or mounted) file system.</summary>
    Local,

    /// <summary>An S3 bucket, on AWS or an S3-compatible server (<c>s3://bucket/prefix</c>).</summary>
    S3,

    /// <summary>An Azure Blob Storage container (<c>az://container/prefix</c> or <c>https://ACCOUNT.blob.core.windows.net/container/prefix</c>).</summary>
    AzureBlob,
}
