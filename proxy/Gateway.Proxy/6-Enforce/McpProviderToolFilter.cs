using System.Text.Json.Nodes;
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Authenticate;
using Gateway.Policy;
using Gateway.Proxy.Mcp;

namespace Gateway.Proxy.Enforce;

/// <summary>The filter of an MCP server's tool listings relayed through the provider route (<see cref="ForwardPlan.McpToolAllowed"/>).</summary>
internal static class McpProviderToolFilter
{
    /// <summary>
    /// The tools of <paramref name="server"/> a <c>tools/list</c> through the provider route keeps: those the agent could
    /// call (its mcp_tool entry exists and is permitted), and of those a pinned one only while the definition relayed is
    /// the one pinned (a drifted description never reaches the model, on this route as on <c>/mcp</c>; the drift is noted
    /// in <paramref name="drifts"/>, whose incidents the Respond stage opens as there).
    /// </summary>
    // A delegated child sees the tools its agent holds and its grant names.
    public static Func<string, JsonObject, bool> For(TenantPolicy tenant, AgentIdentity identity, string server, McpToolDriftSightings drifts) => (toolName, served) =>
    {
        if (tenant.FindMcpTool(server, toolName) is not { } catalogName
            || !tenant.Permits(identity.Agent, identity.Delegation?.Scope, catalogName)
            || !tenant.TryGetCatalogEntry(catalogName, out var entry) || entry is null)
        {
            return false;
        }

        if (entry.Pin is null || McpToolDefinition.DigestOfRelayed(served) is var digest && string.Equals(digest, entry.Pin, StringComparison.Ordinal))
        {
            return true;
        }

        drifts.Add(entry, new McpToolPin(McpToolPinState.Drifted, digest));
        return false;
    };
}
