namespace FhirBulk.Export;

/// <summary>Whether file downloads ask the server to gzip what it sends (<c>Accept-Encoding: gzip</c>).</summary>
/// <remarks>
/// NDJSON compresses about tenfold, so over any real network gzip makes a download several times faster; on the
/// same machine the link is free and compressing and decompressing every byte only costs CPU on both sides (and
/// stops the server from handing the file to the kernel with <c>sendfile</c>). A gzipped response is always
/// accepted, whatever was asked.
/// </remarks>
public enum TransferCompression
{
    /// <summary>Ask for gzip unless the file's host is a loopback address (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>).</summary>
    Auto,

    /// <summary>Always ask for gzip.</summary>
    Gzip,

    /// <summary>Never ask for gzip (<c>Accept-Encoding: identity</c>): for a fast LAN where CPU, not bandwidth, is the limit.</summary>
    None,
}
