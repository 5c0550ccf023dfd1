using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gamut.Agent.Upstream;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>
/// Signs a request as the gateway signs its webhook calls (agent protocol, "Gateway to upstream"): the canonical
/// string of <see cref="AgentSignature"/> under the service key's bytes, with a fresh nonce.
/// </summary>
internal static class GatewaySignedRequests
{
    public static void Sign(HttpRequestMessage request, byte[] serviceKey, string tenant, string workspace, string agent, ReadOnlySpan<byte> body, TimeProvider? time = null)
    {
        var timestamp = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = AgentSignature.FreshNonce();
        var canonical = AgentSignature.CanonicalString(request.Method.Method, request.RequestUri!.PathAndQuery, tenant, workspace, agent, timestamp, nonce, body);
        request.Headers.TryAddWithoutValidation(GatewayRequestHeaders.Tenant, tenant);
        request.Headers.TryAddWithoutValidation(GatewayRequestHeaders.Workspace, workspace);
        request.Headers.TryAddWithoutValidation(GatewayRequestHeaders.Agent, agent);
        request.Headers.TryAddWithoutValidation(GatewayRequestHeaders.Timestamp, timestamp);
        request.Headers.TryAddWithoutValidation(GatewayRequestHeaders.Nonce, nonce);
        request.Headers.TryAddWithoutValidation(GatewayRequestHeaders.Signature, "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(serviceKey, Encoding.UTF8.GetBytes(canonical))));
    }
}
