using System.Security.Cryptography;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads an agent's public key in the forms a bundle may write it — PEM (<c>-----BEGIN PUBLIC KEY-----</c>), base64 of the
/// DER SubjectPublicKeyInfo, or base64 of the raw key (Ed25519: its 32 bytes; P-256: the 65-byte uncompressed point) —
/// into one form, the DER SubjectPublicKeyInfo, checked to be a key of the algorithm named. Also what a delegated
/// child's <c>public_key</c> is read with (<c>POST /v1/delegations</c>): the same forms as an agent's.
/// </summary>
public static class SubjectPublicKeyInfos
{
    /// <summary>The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw key's 32 bytes follow it.</summary>
    private static readonly byte[] Ed25519Prefix = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

    private const int Ed25519KeySize = 32;
    private const int P256PointSize = 65;
    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>The key as a DER SubjectPublicKeyInfo, or null with <paramref name="error"/> saying why it is not a key of <paramref name="algorithm"/>.</summary>
    public static byte[]? TryRead(string text, PublicKeyAlgorithm algorithm, out string error)
    {
        error = string.Empty;
        var bytes = Decode(text.Trim());
        if (bytes is null)
        {
            error = "is neither PEM (-----BEGIN PUBLIC KEY-----) nor base64";
            return null;
        }

        var spki = algorithm == PublicKeyAlgorithm.Ed25519 ? Ed25519(bytes) : P256(bytes);
        if (spki is null)
        {
            error = algorithm == PublicKeyAlgorithm.Ed25519
                ? "is not an Ed25519 public key (a SubjectPublicKeyInfo, or the raw 32 bytes)"
                : "is not a P-256 public key (a SubjectPublicKeyInfo, or the raw 65-byte uncompressed point)";
        }

        return spki;
    }

    private static byte[]? Decode(string text)
    {
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            return PemEncoding.TryFind(text, out var fields) && text[fields.Label].Equals("PUBLIC KEY", StringComparison.Ordinal)
                ? Convert.FromBase64String(text[fields.Base64Data])
                : null;
        }

        return Base64Text.TryDecode(text);
    }

    private static byte[]? Ed25519(byte[] bytes)
    {
        if (bytes.Length == Ed25519KeySize)
        {
            return [.. Ed25519Prefix, .. bytes];
        }

        return bytes.Length == Ed25519Prefix.Length + Ed25519KeySize && bytes.AsSpan().StartsWith(Ed25519Prefix) ? bytes : null;
    }

    private static byte[]? P256(byte[] bytes)
    {
        try
        {
            using var key = ECDsa.Create();
            if (bytes.Length == P256PointSize && bytes[0] == 0x04)
            {
                key.ImportParameters(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = bytes[1..33], Y = bytes[33..] },
                });
            }
            else
            {
                key.ImportSubjectPublicKeyInfo(bytes, out var read);
                if (read != bytes.Length)
                {
                    return null;
                }
            }

            return key.ExportParameters(includePrivateParameters: false).Curve.Oid?.Value == P256Oid ? key.ExportSubjectPublicKeyInfo() : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
