using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Evidence;

/// <summary>
/// One receipt signing key: an ECDSA P-256 key (ES256) with its <c>kid</c>, the RFC 7638 JWK thumbprint of its public
/// key (base64url SHA-256 of <c>{"crv","kty","x","y"}</c>), so anyone holding the public key can recompute the id. A
/// retired key holds its public key only and signs nothing more; that key stays published so what it signed still
/// verifies, until it is revoked (<see cref="ReceiptKeyRing.Revoke"/>).
/// </summary>
public sealed class ReceiptKey
{
    private readonly string _protectedHeaderPrefix;
    private const int SignatureSize = 64;
    private TypedHeader? _encodedHeader;

    internal ReceiptKey(ECDsa key, DateTimeOffset created, bool retired)
    {
        Key = key;
        Created = created;
        Retired = retired;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        X = Base64Url.EncodeToString(parameters.Q.X);
        Y = Base64Url.EncodeToString(parameters.Q.Y);
        KeyId = P256Jwk.Thumbprint(X, Y);
        _protectedHeaderPrefix = "{\"alg\":\"ES256\",\"kid\":\"" + KeyId + "\",\"typ\":\"";
    }

    public string KeyId { get; }

    public DateTimeOffset Created { get; }

    public bool Retired { get; }

    /// <summary>The public key's coordinates, base64url.</summary>
    public string X { get; }

    public string Y { get; }

    internal ECDsa Key { get; }

    /// <summary>Signs <paramref name="payload"/> (a UTF-8 JSON object) as a compact JWS with header <c>{"alg":"ES256","kid","typ"}</c>.</summary>
    public string Sign(string type, ReadOnlySpan<byte> payload)
    {
        var length = SignedLength(type, payload.Length);
        var chars = ArrayPool<char>.Shared.Rent(length);
        try
        {
            Sign(type, payload, chars);
            return new string(chars, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>The length of the compact JWS <see cref="Sign(string, ReadOnlySpan{byte}, Span{char})"/> writes.</summary>
    internal int SignedLength(string type, int payloadLength) =>
        EncodedHeader(type).Length + 1 + Base64Url.GetEncodedLength(payloadLength) + 1 + Base64Url.GetEncodedLength(SignatureSize);

    /// <summary>
    /// Signs as <see cref="Sign(string, ReadOnlySpan{byte})"/>, the JWS written into <paramref name="destination"/> (at
    /// least <see cref="SignedLength"/> chars): a caller that copies it into a longer string (a batch's receipts start with
    /// their signed root) makes no string of it alone.
    /// </summary>
    internal void Sign(string type, ReadOnlySpan<byte> payload, Span<char> destination)
    {
        // The signing input (base64url(header) "." base64url(payload)) as ASCII bytes in one pooled buffer, the header's
        // encoding kept per type.
        var header = EncodedHeader(type);
        var inputLength = header.Length + 1 + Base64Url.GetEncodedLength(payload.Length);
        var input = ArrayPool<byte>.Shared.Rent(inputLength + SignatureSize);
        try
        {
            Encoding.ASCII.GetBytes(header, input);
            input[header.Length] = (byte)'.';
            Base64Url.EncodeToUtf8(payload, input.AsSpan(header.Length + 1));
            if (!Key.TrySignData(input.AsSpan(0, inputLength), input.AsSpan(inputLength, SignatureSize), HashAlgorithmName.SHA256,
                    DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var signed) || signed != SignatureSize)
            {
                throw new CryptographicException("The receipt signature did not have the ES256 size.");
            }

            Encoding.ASCII.GetChars(input.AsSpan(0, inputLength), destination);
            destination[inputLength] = '.';
            Base64Url.EncodeToChars(input.AsSpan(inputLength, SignatureSize), destination[(inputLength + 1)..]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    // base64url of the protected header for a type; the last type signed is remembered (receipts use one).
    private string EncodedHeader(string type)
    {
        var cached = _encodedHeader;
        if (cached is not null && ReferenceEquals(cached.Type, type))
        {
            return cached.Encoded;
        }

        var encoded = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(_protectedHeaderPrefix + type + "\"}"));
        _encodedHeader = new TypedHeader(type, encoded);
        return encoded;
    }

    private sealed record TypedHeader(string Type, string Encoded);

    /// <summary>This key retired: its public key only, so a retired key can sign nothing and no ring written from it holds its private key.</summary>
    internal ReceiptKey AsRetired() => new(ECDsa.Create(Key.ExportParameters(includePrivateParameters: false)), Created, retired: true);
}
