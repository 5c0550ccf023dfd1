using System.Text;
using Gateway.Policy.Tokens;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// The key that signs and verifies access tokens, a key of its own purpose: derived with HKDF-SHA256 from the gateway's
/// data-encryption key under a fixed label. Only the gateway holds that key (executors hold the decision-signing key,
/// webhook receivers the service key), so no one else can mint an access token, and no token of another purpose
/// verifies as one. Rotating the data key ends every outstanding access token (they live minutes). Never logged.
/// </summary>
public sealed class AccessTokenSigningKey
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("gamut gateway oauth access token signing v1");

    private AccessTokenSigningKey(HmacKey key) => Key = key;

    internal HmacKey Key { get; }

    /// <summary>The access-token key derived from <paramref name="rootKey"/> (the data-encryption key).</summary>
    public static AccessTokenSigningKey DeriveFrom(ReadOnlySpan<byte> rootKey)
    {
        if (rootKey.Length < 32)
        {
            throw new ArgumentException("The root key must be at least 32 bytes.", nameof(rootKey));
        }

        return new AccessTokenSigningKey(HmacKey.Derive(rootKey, Label));
    }

    public override string ToString() => "[access token signing key]";
}
