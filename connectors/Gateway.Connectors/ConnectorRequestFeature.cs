using Gateway.Connectors.Credentials;
using Gateway.Policy;

namespace Gateway.Connectors;

/// <summary>
/// What the host decided about the current forwarded request, set on <c>HttpContext.Features</c> before
/// YARP forwards it. The connector transforms read it: tenant (vault scope), the connector whose
/// upstream and credential are used, the decision token and the degrade form. It holds no credential of the connector's
/// own (those are resolved by the transform); only, for a connector that acts for a person, the person-scoped credential
/// the gateway obtained for this one request (<see cref="PersonCredential"/>).
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

    /// <summary>
    /// For a connector that acts for a person (<c>person:</c> with credential <c>token_exchange</c> or <c>vault</c>): that
    /// person's credential, sent upstream under the connector's <c>auth</c> in place of the connector's own. Never logged.
    /// </summary>
    public SecretValue? PersonCredential { get; init; }
}
