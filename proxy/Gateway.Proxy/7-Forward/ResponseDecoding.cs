using System.IO.Compression;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Decodes a compressed upstream body before anything inspects it: gzip, br and deflate are replaced
/// by their decoded stream; any other encoding (or a stack of them) is refused, never passed unredacted.
/// </summary>
internal static class ResponseDecoding
{
    /// <summary>The refusal when the upstream's encoding cannot be decoded: nothing of the body is passed on.</summary>
    public static readonly Refusal Undecodable = new(StatusCodes.Status502BadGateway, ProblemCodes.ResponseUninspectable,
        "The upstream answered in a content encoding the gateway cannot decode for redaction; nothing of it was passed on.");

    private const string ContentEncodingHeader = "Content-Encoding";

    /// <summary>Replaces a gzip/br/deflate body by its decoded stream; false for any other encoding.</summary>
    public static async ValueTask<bool> DecodeAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        // No Content-Encoding at all (the usual answer): nothing to decode, and no header collection or parse for it.
        if (!proxyResponse.Content.Headers.NonValidated.Contains(ContentEncodingHeader))
        {
            return true;
        }

        var encodings = proxyResponse.Content.Headers.ContentEncoding.Where(static e => !string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase)).ToArray();
        if (encodings.Length == 0)
        {
            return true;
        }

        if (encodings.Length > 1)
        {
            return false;
        }

        var original = proxyResponse.Content;
        var encoded = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        Stream? decoded = encodings[0].ToLowerInvariant() switch
        {
            "gzip" or "x-gzip" => new GZipStream(encoded, CompressionMode.Decompress),
            "br" => new BrotliStream(encoded, CompressionMode.Decompress),
            "deflate" => new ZLibStream(encoded, CompressionMode.Decompress),
            _ => null,
        };
        if (decoded is null)
        {
            return false;
        }

        var content = new StreamContent(decoded);
        foreach (var header in original.Headers)
        {
            if (!header.Key.Equals(ContentEncodingHeader, StringComparison.OrdinalIgnoreCase) && !header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        proxyResponse.Content = content;
        httpContext.Response.Headers.ContentEncoding = default;
        httpContext.Response.Headers.ContentLength = null;
        return true;
    }
}
