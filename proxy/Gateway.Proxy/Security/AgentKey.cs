using System.Security.Cryptography;
using Gateway.Policy;
using NSec.Cryptography;

namespace Gateway.Proxy.Security;

/// <summary>
/// A public key an agent signs its requests with (RFC 9421), imported once when the policy is loaded: Ed25519 through
/// NSec, ECDSA P-256 through the platform. Verifies a signature over a signature base; public, so nothing here is secret.
/// </summary>
public sealed class AgentKey
{
    private readonly NSec.Cryptography.PublicKey? _ed25519;
    private readonly ECParameters _p256;

    /// <summary>Imports <paramref name="registered"/>; throws <see cref="FormatException"/> when its bytes are no key of its algorithm.</summary>
    public AgentKey(AgentPublicKey registered)
    {
        ArgumentNullException.ThrowIfNull(registered);
        Algorithm = registered.Algorithm;
        KeyId = registered.KeyId;
        AlgorithmName = WireNames.Of(registered.Algorithm);
        var spki = registered.SubjectPublicKeyInfo.Span;
        if (registered.Algorithm == PublicKeyAlgorithm.Ed25519)
        {
            if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, spki, KeyBlobFormat.PkixPublicKey, out _ed25519))
            {
                throw new FormatException($"{registered} is not an Ed25519 public key.");
            }
        }
        else
        {
            using var key = ECDsa.Create();
            try
            {
                key.ImportSubjectPublicKeyInfo(spki, out _);
            }
            catch (CryptographicException ex)
            {
                throw new FormatException($"{registered} is not a P-256 public key.", ex);
            }

            _p256 = key.ExportParameters(includePrivateParameters: false);
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData([.. "gamut agent key fingerprint v1\0"u8, .. spki], hash);
        Fingerprint = Convert.ToHexStringLower(hash[..16]);
    }

    public PublicKeyAlgorithm Algorithm { get; }

    /// <summary>RFC 9421's name of <see cref="Algorithm"/>: what a signature's <c>alg</c> parameter must say.</summary>
    public string AlgorithmName { get; }

    /// <summary>The JWS (RFC 7518, RFC 8037) name of <see cref="Algorithm"/>: <c>EdDSA</c> or <c>ES256</c>, what a JWT this key signs says.</summary>
    public string JwsAlgorithm => Algorithm == PublicKeyAlgorithm.Ed25519 ? "EdDSA" : "ES256";

    /// <summary>The <c>keyid</c> a signature made with this key names.</summary>
    public string KeyId { get; }

    /// <summary>
    /// Names this key (the first 16 bytes, in hex, of a SHA-256 over a fixed label and the key's SubjectPublicKeyInfo): the
    /// same on every replica, so the switch that retires it is keyed by it as a secret's is by <see cref="AgentSecret.Fingerprint"/>.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>True when <paramref name="signature"/> is this key's signature over <paramref name="data"/> (Ed25519: 64 bytes; P-256: r||s, 64 bytes).</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (_ed25519 is not null)
        {
            return SignatureAlgorithm.Ed25519.Verify(_ed25519, data, signature);
        }

        // One instance per verification: an ECDsa is not documented as safe to share between threads.
        using var key = ECDsa.Create(_p256);
        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public override string ToString() => $"[agent key {KeyId}]";
}
