using System.Security.Cryptography;
using NSec.Cryptography;

namespace Gamut.Agent;

/// <summary>
/// The private key of an agent registered with a public key (RFC 9421), read from PEM or base64 PKCS#8 DER: Ed25519
/// (signed through NSec) or ECDSA P-256 (through the platform, r||s). Never printed by <see cref="ToString"/>.
/// </summary>
public sealed class AgentKeyPair : IDisposable
{
    public const string Ed25519 = "ed25519";
    public const string EcdsaP256Sha256 = "ecdsa-p256-sha256";

    private readonly Key? _ed25519;
    private readonly ECDsa? _p256;
    private readonly Lock _p256Lock = new();

    private AgentKeyPair(Key? ed25519, ECDsa? p256)
    {
        (_ed25519, _p256) = (ed25519, p256);
        Algorithm = ed25519 is not null ? Ed25519 : EcdsaP256Sha256;
    }

    /// <summary>RFC 9421's name of the key's algorithm: <c>ed25519</c> or <c>ecdsa-p256-sha256</c>.</summary>
    public string Algorithm { get; }

    /// <summary>Reads <paramref name="text"/> (PEM <c>PRIVATE KEY</c>, or base64 of PKCS#8 DER); throws <see cref="GamutConfigurationException"/> for anything else.</summary>
    public static AgentKeyPair Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pkcs8 = Decode(text.Trim())
            ?? throw new GamutConfigurationException($"{GamutOptions.PrivateKeyVariable} is not a private key (PEM or base64 PKCS#8 DER).");
        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            if (ecdsa.ExportParameters(includePrivateParameters: false).Curve.Oid?.Value != "1.2.840.10045.3.1.7")
            {
                ecdsa.Dispose();
                throw new GamutConfigurationException($"{GamutOptions.PrivateKeyVariable} must be an Ed25519 or an ECDSA P-256 private key.");
            }

            return new AgentKeyPair(null, ecdsa);
        }
        catch (CryptographicException)
        {
            // Not an EC key: Ed25519, or nothing usable (never the key itself in the message).
            return Key.TryImport(SignatureAlgorithm.Ed25519, pkcs8, KeyBlobFormat.PkixPrivateKey, out var key)
                ? new AgentKeyPair(key, null)
                : throw new GamutConfigurationException($"{GamutOptions.PrivateKeyVariable} must be an Ed25519 or an ECDSA P-256 private key.");
        }
    }

    /// <summary>The signature of <paramref name="data"/>: Ed25519's 64 bytes, or ECDSA P-256 over SHA-256 as r||s (64 bytes).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        if (_ed25519 is not null)
        {
            return SignatureAlgorithm.Ed25519.Sign(_ed25519, data);
        }

        // An ECDsa is not documented as safe to share between threads; one signer at a time.
        lock (_p256Lock)
        {
            return _p256!.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    /// <summary>The public half, as the DER SubjectPublicKeyInfo a bundle or a delegation registers (base64 of it).</summary>
    public byte[] ExportSubjectPublicKeyInfo() =>
        _ed25519 is not null ? _ed25519.PublicKey.Export(KeyBlobFormat.PkixPublicKey) : _p256!.ExportSubjectPublicKeyInfo();

    public void Dispose()
    {
        _ed25519?.Dispose();
        _p256?.Dispose();
    }

    public override string ToString() => $"AgentKeyPair({Algorithm})";

    private static byte[]? Decode(string text)
    {
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            return PemEncoding.TryFind(text, out var fields) && text[fields.Label] == "PRIVATE KEY" ? Convert.FromBase64String(text[fields.Base64Data]) : null;
        }

        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
