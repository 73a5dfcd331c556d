using FhirBulk.Ndjson;

namespace FhirBulk.Storage;

/// <summary>
/// A store's response stream whose read failures are turned into the store's <see cref="StorageException"/>: an SDK checks
/// an object's checksum as its last bytes are read, so a damaged object fails inside <see cref="Stream.Read(byte[], int, int)"/>,
/// after opening it succeeded, and would otherwise escape as the SDK's own exception naming no object.
/// </summary>
/// <param name="inner">The SDK's response stream, disposed with this one.</param>
/// <param name="translate">The store's exception for a read failure, or <see langword="null"/> to let it through unchanged
/// (a cut connection stays an <see cref="IOException"/>, which a download retries).</param>
internal sealed class TranslatingReadStream(Stream inner, Func<Exception, StorageException?> translate) : ReadOnlyStream
{
    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (Exception e) when (translate(e) is { } failure)
        {
            throw failure;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (translate(e) is { } failure)
        {
            throw failure;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
