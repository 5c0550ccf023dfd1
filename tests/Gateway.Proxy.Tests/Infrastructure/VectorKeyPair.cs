using System.Security.Cryptography;
using System.Text.Json;
using NSec.Cryptography;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// A key pair of the shared vectors (tests/vectors/agent-protocol.json, <c>message_signatures.keys</c>): signs as an agent
/// registered with it would, Ed25519 through NSec and ECDSA P-256 (r||s) through the platform, and writes its bundle entry.
/// </summary>
public sealed class VectorKeyPair
{
    private readonly byte[] _pkcs8;

    private VectorKeyPair(JsonElement key)
    {
        Name = key.GetProperty("name").GetString()!;
        Algorithm = key.GetProperty("alg").GetString()!;
        KeyId = key.GetProperty("key_id").GetString()!;
        PublicKeySpki = key.GetProperty("public_key_spki").GetString()!;
        _pkcs8 = Convert.FromBase64String(key.GetProperty("private_key_pkcs8").GetString()!);
    }

    /// <summary>The <c>message_signatures</c> group of the shared vectors (first: the keys below are read from it).</summary>
    public static JsonElement Vectors { get; } = LoadVectors("message_signatures");

    /// <summary>The <c>run_signing</c> group: requests that belong to a run (<c>X-Gamut-Run</c>), signed with these keys.</summary>
    public static JsonElement RunSigningVectors { get; } = LoadVectors("run_signing");

    public static VectorKeyPair Ed25519 { get; } = Load("ed25519-demo");

    public static VectorKeyPair P256 { get; } = Load("p256-demo");

    public string Name { get; }

    /// <summary>RFC 9421's name: <c>ed25519</c> or <c>ecdsa-p256-sha256</c>.</summary>
    public string Algorithm { get; }

    public string KeyId { get; }

    /// <summary>The JWS name of <see cref="Algorithm"/>: <c>EdDSA</c> or <c>ES256</c>, what a <c>private_key_jwt</c> assertion says.</summary>
    public string JwsAlgorithm => Algorithm == "ed25519" ? "EdDSA" : "ES256";

    public string PublicKeySpki { get; }

    /// <summary>The bundle's flow mapping for this key: <c>{ alg, key_id, key }</c>.</summary>
    public string BundleEntry => $"{{ alg: {Algorithm}, key_id: {KeyId}, key: \"{PublicKeySpki}\" }}";

    public byte[] Sign(byte[] data)
    {
        if (Algorithm == "ed25519")
        {
            using var key = Key.Import(SignatureAlgorithm.Ed25519, _pkcs8, KeyBlobFormat.PkixPrivateKey);
            return SignatureAlgorithm.Ed25519.Sign(key, data);
        }

        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(_pkcs8, out _);
        return ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static VectorKeyPair Load(string name) =>
        new(Vectors.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("name").GetString() == name));

    private static JsonElement LoadVectors(string group)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "tests", "vectors", "agent-protocol.json")));
        return document.RootElement.GetProperty(group).Clone();
    }
}
