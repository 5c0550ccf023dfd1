using Gateway.Policy;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Who asks the gateway's MCP server for a listing, as the listings need it: the agent (a delegated child's own id), its
/// workspace, and a child's grant, which narrows what its agent may use.
/// </summary>
internal sealed record McpCaller(string Agent, string? Workspace, DelegationScope? Grant)
{
    /// <summary>The caller's identity as the policy decides for it (its person too), where the listing has it; the listings clear their items against it (<see cref="McpReadClearance.Lists"/>).</summary>
    public AuthenticatedCaller? Who { get; init; }

    /// <summary>True when the caller may use the catalog entry <paramref name="catalogName"/> of <paramref name="tenant"/>.</summary>
    public bool MayUse(TenantPolicy tenant, string catalogName)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return tenant.Permits(Agent, Grant, catalogName);
    }
}
