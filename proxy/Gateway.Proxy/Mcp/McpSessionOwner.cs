using Gateway.Policy;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Who an upstream MCP session on a per-server route belongs to: the tenant, the exact agent that authenticated, the
/// server's connector, and the person the agent acts for (one agent acting for Alice, then Bob, opens two sessions).
/// </summary>
/// <param name="Tenant">The agent's tenant.</param>
/// <param name="Agent">The agent id that signed the request (a delegated child's own id, not its root's).</param>
/// <param name="Connector">The MCP server's catalog entry.</param>
/// <param name="Person">The person the agent acts for; null when none.</param>
internal readonly record struct McpSessionOwner(string Tenant, string Agent, string Connector, ActingPerson? Person = null);
