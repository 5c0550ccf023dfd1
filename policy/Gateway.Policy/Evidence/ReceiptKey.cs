using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Policy.Evidence;

/// <summary>
/// One receipt signing key: an ECDSA P-256 key (ES256) with its <c>kid</c>, the RFC 7638 JWK thumbprint of its public
/// key (base64url SHA-256 of <c>{"crv","kty","x","y"}</c>), so anyone holding the public key can recompute the id. A
/// retired key signs nothing more; its public key stays published so what it signed still verifies.
/// </summary>
public sealed class ReceiptKey
{
    private readonly string _protectedHeaderPrefix;

    internal ReceiptKey(ECDsa key, DateTimeOffset created, bool retired)
    {
        Key = key;
        Created = created;
        Retired = retired;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        X = Base64Url.EncodeToString(parameters.Q.X);
        Y = Base64Url.EncodeToString(parameters.Q.Y);
        KeyId = Thumbprint(X, Y);
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
        var header = Encoding.UTF8.GetBytes(_protectedHeaderPrefix + type + "\"}");
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        var signature = Key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    internal ReceiptKey AsRetired() => new(Key, Created, retired: true);

    /// <summary>RFC 7638: base64url(SHA-256 of the required members of the EC JWK in lexicographic order, no whitespace).</summary>
    internal static string Thumbprint(string x, string y) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}")));
}
