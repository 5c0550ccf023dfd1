using System.Security.Claims;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;

namespace Gateway.Proxy.Forward;

/// <summary>
/// The admitted agent as the gateway's MCP server sees it: set as the request's <see cref="HttpContext.User"/> before the
/// MCP server serves the message, which the SDK hands to the message's handler as its user (<c>RequestContext.User</c>).
/// It carries the agent's own principal's identities (its name identifier binds an MCP session to the agent that opened it).
/// </summary>
internal sealed class McpServedCaller : ClaimsPrincipal
{
    public McpServedCaller(ClaimsPrincipal agent, AgentIdentity admitted, TenantPolicy? tenant)
        : base(agent)
    {
        Admitted = admitted;
        Tenant = tenant;
    }

    /// <summary>The caller as admitted (an operator's suspension applied).</summary>
    public AgentIdentity Admitted { get; }

    /// <summary>The tenant's policy when loaded.</summary>
    public TenantPolicy? Tenant { get; }
}
