using System.Net;

namespace Gateway.Connectors.Streaming;

/// <summary>
/// An answer's content read through a stream of the gateway's own over the inner content's (redacted, watched for its
/// end), under the inner content's headers; its length is kept only where the stream passes every byte as it is.
/// </summary>
public abstract class ReadThroughContent : HttpContent
{
    private readonly HttpContent _inner;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="keepsLength"/> when the stream read through passes its bytes unchanged.</summary>
    protected ReadThroughContent(HttpContent inner, bool keepsLength)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        foreach (var header in inner.Headers.NonValidated)
        {
            if (keepsLength || !header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }

    /// <summary>The stream the content is read through, over <paramref name="read"/>, the inner content's.</summary>
    protected abstract Stream ReadThrough(Stream read);

    /// <inheritdoc/>
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    /// <inheritdoc/>
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var read = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
        await read.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task<Stream> CreateContentReadStreamAsync() => ReadThrough(await _inner.ReadAsStreamAsync().ConfigureAwait(false));

    /// <inheritdoc/>
    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        ReadThrough(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
