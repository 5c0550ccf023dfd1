using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describes <c>GET /a2a/{connector}/.well-known/agent-card.json</c>, the remote agent's card as a signed agent may see it:
/// which remote agent, where its card is read (<c>/.well-known/agent-card.json</c> at its upstream's origin), the key its
/// signature is pinned to, and the skills the caller may use (<see cref="A2aCardAsked"/>). It reads nothing of the remote
/// agent: the card is read by the kind's local destination, once the request is admitted (its nonce, the kill switches)
/// and decided. An agent that may use none of its skills is refused and recorded; a suspended agent (or tenant) is refused
/// (403 <c>blocked</c>) and recorded; an allowed request is recorded (<c>a2a_card_served</c>) before the destination
/// reads, verifies, rewrites and signs the card (a card it cannot read or verify is then refused and recorded by Respond).
/// </summary>
internal sealed class A2aCardDescriber : IRouteDescriber
{
    private readonly PolicyProvider _policy;

    public A2aCardDescriber(PolicyProvider policy) => _policy = policy;

    public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated) =>
        ValueTask.FromResult<(DescribedAction?, Refusal?)>((null, Describe(context, feature, authenticated.Identity)));

    /// <summary>The refusal before admission (no policy, no such remote agent), or null with the local action added.</summary>
    private Refusal? Describe(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity)
    {
        if (_policy.TenantOf(identity) is not { } tenant)
        {
            return Refusal.PolicyUnavailable();
        }

        var connector = context.GetRouteValue("connector") as string ?? string.Empty;
        if (!tenant.TryGetCatalogEntry(connector, out var agent) || agent is not { Kind: ConnectorKind.A2a, Upstream: { } upstream })
        {
            return new Refusal(StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector, "No remote agent (kind a2a) of that name is in this tenant's catalog.");
        }

        var suspended = new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked,
            "The agent, or its tenant, was suspended by an operator (kill switch): no remote agent's card is read for it.");
        var action = new LocalAction(agent.Name, LocalAdmission.Request) { WhenSuspended = new LocalRefusal(suspended, LocalEntry.Refusing(identity, suspended)) };
        var allowed = tenant.Catalog
            .Where(e => e.Kind == ConnectorKind.A2aSkill && e.Connector == agent.Name && tenant.Permits(identity.Agent, identity.Delegation?.Scope, e.Name))
            .Select(e => e.A2aSkill!)
            .ToHashSet(StringComparer.Ordinal);
        if (allowed.Count == 0)
        {
            // Refused once admitted, and recorded under the remote agent.
            var refusal = new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked, $"This agent may use none of the skills of '{agent.Name}'.");
            feature.Add(action with { Refused = new LocalRefusal(refusal, LocalEntry.Refusing(identity, refusal)) });
            return null;
        }

        feature.Add(new A2aCardAsked(agent.Name, new Uri(upstream, "/.well-known/agent-card.json"), agent.CardKey, allowed));
        feature.Add(action with { Entry = LocalEntry.Of(identity, "a2a_card_served", StatusCodes.Status200OK) });
        return null;
    }
}
