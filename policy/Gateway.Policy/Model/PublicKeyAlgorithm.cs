using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The signature algorithms an agent's public key may use (RFC 9421's algorithm names).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PublicKeyAlgorithm>))]
public enum PublicKeyAlgorithm
{
    /// <summary>EdDSA over Curve25519 (RFC 8032); RFC 9421 §3.3.6.</summary>
    [JsonStringEnumMemberName("ed25519")]
    Ed25519,

    /// <summary>ECDSA over P-256 with SHA-256, the signature as r||s (64 bytes); RFC 9421 §3.3.4.</summary>
    [JsonStringEnumMemberName("ecdsa-p256-sha256")]
    EcdsaP256Sha256,
}
