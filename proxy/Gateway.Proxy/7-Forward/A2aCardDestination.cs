using Gateway.Authorization.AccessTokens;
using Gateway.Policy.Evidence;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Where <c>GET /a2a/{connector}/.well-known/agent-card.json</c> is served, once its <c>a2a_card_served</c> record is
/// durable: the remote card (read and verified by its describer) rewritten to point at the gateway and keep only the skills
/// the caller may use (<see cref="AgentCardRewriter"/>), signed with the gateway's receipt key, answered no-store.
/// </summary>
internal sealed class A2aCardDestination : ILocalDestination
{
    private readonly ReceiptKeyRing _keys;
    private readonly PublicOrigin _origin;

    public A2aCardDestination(ReceiptKeyRing keys, PublicOrigin origin)
    {
        _keys = keys;
        _origin = origin;
    }

    public Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var read = feature.Get<A2aCardRead>();
        // The gateway's public origin, never the caller's Host: the card is signed, and a client follows its url.
        var gatewayUrl = $"{_origin.For(context.Request)}/a2a/{Uri.EscapeDataString(read.Agent)}";
        var served = AgentCardRewriter.Rewrite(read.Card, gatewayUrl, read.AllowedSkills);
        AgentCardSignatures.Sign(served, _keys.Active);
        feature.Add(new LocalAnswer(Results.Text(served.ToJsonString(), "application/json")) { NoStore = true });
        return Task.CompletedTask;
    }
}
