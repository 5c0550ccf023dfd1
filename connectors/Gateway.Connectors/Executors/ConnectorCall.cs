using System.Text.Json;

namespace Gateway.Connectors.Executors;

/// <summary>One governed call of a connector, as decided by the host.</summary>
public sealed record ConnectorCall
{
    /// <summary>
    /// The arguments: the tool's <c>args</c> (http, webhook, mcp_tool), the provider-native request body
    /// (openai, anthropic), or <c>{"scope","query","max_bytes"}</c> (context).
    /// </summary>
    public required JsonElement Args { get; init; }

    /// <summary>The tenant slug (scopes the vault credential).</summary>
    public required string Tenant { get; init; }

    /// <summary>The workspace id (the webhook signature's workspace line).</summary>
    public string Workspace { get; init; } = string.Empty;

    /// <summary>The calling agent's id (sent upstream as <c>X-Gamut-Agent-Id</c> for attribution).</summary>
    public required string Agent { get; init; }

    /// <summary>The gateway's request id (sent upstream as <c>X-Request-Id</c>).</summary>
    public required string RequestId { get; init; }

    /// <summary>The signed decision token, forwarded as <c>X-Gamut-Decision-Token</c>.</summary>
    public string? DecisionToken { get; init; }

    /// <summary>The reduced form when the decision is <c>degrade</c>; <see cref="DegradeMode.None"/> otherwise.</summary>
    public DegradeMode DegradeMode { get; init; } = DegradeMode.None;

    /// <summary>True when the catalog's action type for this tool is <c>read</c> (lets mcp_tool/webhook calls through <see cref="DegradeMode.ReadOnly"/>).</summary>
    public bool IsReadAction { get; init; }

    /// <summary>Redact the response even when not degraded (e.g. the catalog always redacts this connector).</summary>
    public bool RedactResponse { get; init; }

    /// <summary>True when the response is to be redacted.</summary>
    public bool ShouldRedact => RedactResponse || DegradeMode == DegradeMode.Redact;
}
