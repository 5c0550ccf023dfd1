using Gateway.Audit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Record;

/// <summary>
/// The audit entry of something an authenticated agent did or was refused outside a decision (a delegation issued, a run
/// started, an event, a refusal before any decision): who (tenant, workspace, agent, the secret slot that signed, the
/// person acted for, the chain), the request, and the run it acted in. Callers add what is theirs with <c>with</c>.
/// </summary>
internal static class AgentAuditEntry
{
    public static AuditEntry Of(HttpContext context, AgentIdentity identity, string? tool, string decision, int status) => new()
    {
        Tenant = identity.Tenant,
        Workspace = identity.Workspace,
        Agent = identity.Agent,
        Tool = tool,
        RequestId = RequestIdMiddleware.GetRequestId(context),
        Decision = decision,
        StatusCode = status,
        SecretSlot = identity.SecretSlot?.WireName(),
        Person = identity.Person?.Subject,
        PersonIssuer = identity.Person?.Issuer,
        ActorChain = identity.ChainLinks,
        RunId = identity.Run?.Id,
    };
}
