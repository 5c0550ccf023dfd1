using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// The single-use values of the OAuth path, spelled as the agent protocol's nonces (16-128 characters of
/// <c>[A-Za-z0-9_-]</c>) and kept in the same store namespace, so each is used once across replicas and never collides
/// with another kind: a client assertion's <c>jti</c>, a DPoP proof's <c>jti</c> (hashed: any string a client chose), or
/// a fresh random one for a request under a plain bearer token, which has nothing single-use to offer.
/// </summary>
public static class AccessTokenNonces
{
    public static string Assertion(string jti) => "oauth-assertion-" + Hash(jti);

    public static string Dpop(string jti) => "dpop-" + Hash(jti);

    public static string Bearer() => "bearer-" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

    private static string Hash(string value) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
