using System.Collections.Concurrent;
using System.Security.Claims;
using Gateway.Policy;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The <see cref="HttpContext.User"/> of an authenticated agent: its tenant, workspace and agent claims, and the name
/// identifier that binds an MCP session on <c>/mcp</c> to the agent that opened it. A principal depends on the caller
/// alone, so one is made per caller and shared by its requests (nothing in the gateway adds to a principal); at most
/// <see cref="Capacity"/> are kept, and a caller beyond them gets a principal of its own per request.
/// </summary>
internal sealed class AgentPrincipals
{
    /// <summary>How many callers' principals are kept.</summary>
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<AuthenticatedCaller, ClaimsPrincipal> _principals = new();

    /// <summary>The principal of <paramref name="caller"/>.</summary>
    public ClaimsPrincipal For(AuthenticatedCaller caller)
    {
        if (_principals.TryGetValue(caller, out var principal))
        {
            return principal;
        }

        principal = Create(caller);
        return _principals.Count < Capacity ? _principals.GetOrAdd(caller, principal) : principal;
    }

    private static ClaimsPrincipal Create(AuthenticatedCaller caller)
    {
        // Each claim made with the identity as its subject: a claim of another subject is cloned on the way in.
        var identity = new ClaimsIdentity(AgentSignatureDefaults.AuthenticationType, AgentSignatureDefaults.AgentClaim, roleType: null);
        AddClaim(identity, AgentSignatureDefaults.TenantClaim, caller.Tenant);
        AddClaim(identity, AgentSignatureDefaults.WorkspaceClaim, caller.Workspace);
        AddClaim(identity, AgentSignatureDefaults.AgentClaim, caller.Agent);

        // Who the agent is across tenants: what binds an MCP session on /mcp to the agent that opened it.
        AddClaim(identity, ClaimTypes.NameIdentifier, caller.Tenant + "/" + caller.Agent);
        return new ClaimsPrincipal(identity);
    }

    private static void AddClaim(ClaimsIdentity identity, string type, string value) =>
        identity.AddClaim(new Claim(type, value, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
}
