using Microsoft.Extensions.Logging;

namespace FhirBulk.Storage;

/// <summary>
/// Options of <see cref="ObjectStore"/>; copied and validated once when a store is created. There is deliberately no
/// property for a secret: credentials come only from each cloud's standard chain (see docs/storage.md).
/// </summary>
public sealed class ObjectStoreOptions
{
    /// <summary>Where to log. Nothing logged carries a credential.</summary>
    /// <value>The default value is <see langword="null"/> (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Bytes sent as one S3 part or Azure block; a writer holds one part in memory, so memory is flat in object size.</summary>
    /// <value>The default value is 8 MiB (<see cref="StorageDefaults.PartSize"/>); at least 5 MiB, S3's smallest part, and at most 512 MiB.</value>
    public int PartSize { get; set; } = StorageDefaults.PartSize;

    /// <summary>An S3-compatible server (MinIO, Ceph, an emulator) to use instead of AWS, e.g. <c>http://127.0.0.1:9000</c>.</summary>
    /// <value>The default value is <see langword="null"/>: AWS, at the endpoint of <see cref="S3Region"/>.</value>
    public Uri? S3Endpoint { get; set; }

    /// <summary>Whether S3 requests name the bucket in the path (<c>endpoint/bucket/key</c>) rather than in the host name.
    /// Most S3-compatible servers on a plain host name need it.</summary>
    /// <value>The default value is <see langword="false"/> (virtual-hosted style, as AWS prefers).</value>
    public bool S3ForcePathStyle { get; set; }

    /// <summary>The AWS region of the buckets.</summary>
    /// <value>The default value is <see langword="null"/>: the AWS default chain decides (<c>AWS_REGION</c>, the profile,
    /// the instance's region); with <see cref="S3Endpoint"/> set, <c>us-east-1</c>.</value>
    public string? S3Region { get; set; }

    /// <summary>A copy, validated: the store keeps its own so later changes by the caller do not reach it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal ObjectStoreOptions Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PartSize, StorageDefaults.MinPartSize, nameof(PartSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PartSize, StorageDefaults.MaxPartSize, nameof(PartSize));
        if (S3Endpoint is { IsAbsoluteUri: false } || S3Endpoint is { Scheme: not ("http" or "https") })
        {
            throw new ArgumentException("S3Endpoint must be an absolute http:// or https:// URL", nameof(S3Endpoint));
        }

        return new ObjectStoreOptions
        {
            LoggerFactory = LoggerFactory,
            PartSize = PartSize,
            S3Endpoint = S3Endpoint,
            S3ForcePathStyle = S3ForcePathStyle,
            S3Region = S3Region,
        };
    }
}
