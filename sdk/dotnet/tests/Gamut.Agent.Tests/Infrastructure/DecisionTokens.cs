using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gamut.Agent.Upstream;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>
/// Decision tokens made by the wire format of the agent protocol ("Decision tokens"), as the gateway issues them,
/// for the verifier's own tests; the tokens the real gateway issues are verified in <c>ForwardedRequestTests</c>.
/// </summary>
internal static class DecisionTokens
{
    /// <summary>The gateway's (and the protocol's) lifetime of a token, in seconds.</summary>
    public const long LifetimeSeconds = 300;

    public static string Issue(byte[] key, TimeProvider time, string tenant, string agent, string tool, string intentDigest, string decision, string? degradeMode = null)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var payload = new DecisionTokenPayload(tenant, agent, tool, intentDigest, decision, now, now + LifetimeSeconds, Guid.NewGuid().ToString("N"), degradeMode);
        return Sign(key, JsonSerializer.SerializeToUtf8Bytes(payload, DecisionTokenJsonContext.Default.DecisionTokenPayload));
    }

    /// <summary><c>v1.</c>, the payload part, <c>.</c> and the base64url HMAC-SHA256 of <c>v1.</c> and the payload part.</summary>
    public static string Sign(byte[] key, ReadOnlySpan<byte> payloadJson)
    {
        var signingInput = "v1." + Base64Url.EncodeToString(payloadJson);
        return signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput)));
    }
}
