using System.Security.Cryptography;
using System.Text;
using Gamut.Agent.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>What the suite's upstream found on one forwarded request: its raw target, <c>X-Gamut-*</c> headers and checks.</summary>
internal sealed record UpstreamChecks(string Target, IReadOnlyDictionary<string, string> GamutHeaders, DecisionTokenVerification Token, WebhookVerification? Signature);

/// <summary>
/// The SDK's upstream verifiers, holding the keys the launcher gave the real gateway: every forwarded request's
/// decision token is verified (tenant <c>demo</c>), and a gateway-signed (webhook) call's signature too, with tenant
/// <c>demo</c>'s webhook key, derived here from the service key as docs/connectors.md says (what <c>gatewayctl keys
/// webhook --tenant demo</c> prints for a receiver).
/// </summary>
internal sealed class UpstreamVerifiers(byte[] decisionSigningKey, byte[] serviceKey)
{
    private readonly DecisionTokenVerifier _tokens = new(decisionSigningKey, TimeProvider.System);
    private readonly WebhookSignatureVerifier _signatures = new(
        HMACSHA256.HashData(serviceKey, Encoding.UTF8.GetBytes("gamut-webhook-key/v1\ndemo")), new InMemoryNonceStore());

    public async Task<UpstreamChecks> CheckAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        var signature = headers.ContainsKey(GatewayRequestHeaders.Signature) ? await _signatures.VerifyAsync(context) : null;
        return new UpstreamChecks(
            context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
            headers.Where(h => h.Key.StartsWith("X-Gamut-", StringComparison.OrdinalIgnoreCase)).ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            _tokens.Verify(headers[GatewayRequestHeaders.DecisionToken].ToString(), "demo", ToolFor(context.Request.Path.Value ?? "/")),
            signature);
    }

    /// <summary>The action this upstream carries out at <paramref name="path"/>: what an executor states it expects the token to be for.</summary>
    private static string ToolFor(string path) => path switch
    {
        "/mail" => "mail.send",
        "/payments/refunds" => "payments.refund",
        "/exec" => "shell.exec",
        _ when path.StartsWith("/crm/contacts/", StringComparison.Ordinal) => "crm.read_contact",
        _ => "unknown." + path.Trim('/').Replace('/', '.'),
    };
}
