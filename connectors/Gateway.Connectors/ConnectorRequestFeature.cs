using Gateway.Policy;

namespace Gateway.Connectors;

/// <summary>
/// What the host decided about the current forwarded request, set on <c>HttpContext.Features</c> before
/// YARP forwards it. The connector transforms read it: tenant (vault scope), the connector whose
/// upstream and credential are used, the decision token and the degrade form. It never holds a credential.
/// </summary>
public sealed class ConnectorRequestFeature
{
    /// <summary>The tenant slug.</summary>
    public required string Tenant { get; init; }

    /// <summary>The workspace the agent signed for (webhooks are signed gateway→upstream in it).</summary>
    public string Workspace { get; init; } = string.Empty;

    /// <summary>The connector forwarded to: for an <c>mcp_tool</c>, its MCP server's entry.</summary>
    public required CatalogEntry Connector { get; init; }

    /// <summary>The signed decision token, forwarded as <c>X-Gamut-Decision-Token</c>.</summary>
    public string? DecisionToken { get; init; }

    /// <summary>The degrade form the decision imposes, when it degrades.</summary>
    public DegradeMode? DegradeMode { get; init; }
}
