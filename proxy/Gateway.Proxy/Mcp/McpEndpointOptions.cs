using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.Mcp;

/// <summary><c>Gateway:Mcp</c>: the limits of the gateway's MCP server on <c>/mcp</c>.</summary>
internal sealed class McpEndpointOptions : IValidatableObject
{
    public const string Section = "Gateway:Mcp";

    /// <summary>Sessions one agent may hold open on one replica; an <c>initialize</c> beyond it is refused.</summary>
    [Range(1, 10_000)]
    public int MaxSessionsPerAgent { get; set; } = 16;

    /// <summary>
    /// Tool calls (and prompt or resource listings) one agent may have in flight on <c>/mcp</c> on one replica; one more is
    /// refused (429) until one ends. Its resumed call streams live on one replica are bounded by the same number, apart.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxPendingCallsPerAgent { get; set; } = 32;

    /// <summary>Resources one session may be subscribed to at once; one more is refused (429 <c>mcp_subscription_limit</c>).</summary>
    [Range(1, 10_000)]
    public int MaxSubscriptionsPerSession { get; set; } = 100;

    /// <summary>Resource subscriptions one agent (its delegated children's included) may hold on one replica, all its sessions together.</summary>
    [Range(1, 1_000_000)]
    public int MaxSubscriptionsPerAgent { get; set; } = 1_000;

    /// <summary>
    /// A session with no request for this long is closed (on every replica: its record in the store expires too). It is
    /// also the longest a governed call runs, and how long its stream's events are kept for a client to resume it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How often a replica with tool calls in flight rereads, in one store call per distinct caller, whether a kill switch
    /// stops it or its delegation is gone, to end the calls stopped through another replica (through this one they end at once).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:01:00")]
    public TimeSpan InFlightRecheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The page where a named human approves an action, with <c>{tenant}</c> and <c>{approval_id}</c> in it (e.g.
    /// <c>https://console.example.com/approvals/{tenant}/{approval_id}</c>). When set, a require_approval on <c>/mcp</c> is
    /// offered to a client that accepts URL elicitation as one (JSON-RPC error -32042 with the link); empty: never.
    /// </summary>
    public string ApprovalPageUrl { get; set; } = string.Empty;

    /// <summary>
    /// Browser origins (<c>https://app.example.com</c>) allowed to call <c>/mcp</c> beside the gateway's own public origin:
    /// a request carrying any other <c>Origin</c> is refused (403, <c>origin_not_allowed</c>), as the MCP specification asks.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Idle sessions kept in memory on one replica before the oldest are closed.</summary>
    [Range(1, 1_000_000)]
    public int MaxIdleSessions { get; set; } = 10_000;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedOrigins.Where(static o => McpOrigins.Normalize(o) is null))
        {
            yield return new ValidationResult(
                $"{Section}:AllowedOrigins entry '{origin}' must be an http(s) origin without path, e.g. https://app.example.com.", [nameof(AllowedOrigins)]);
        }

        if (ApprovalPageUrl.Length > 0
            && (!ApprovalPageUrl.Contains("{approval_id}", StringComparison.Ordinal)
                || !Uri.TryCreate(ApprovalPageUrl.Replace("{approval_id}", "a", StringComparison.Ordinal).Replace("{tenant}", "t", StringComparison.Ordinal), UriKind.Absolute, out var page)
                || page.Scheme is not ("https" or "http")))
        {
            yield return new ValidationResult(
                $"{Section}:ApprovalPageUrl must be an absolute http(s) URL with {{approval_id}} in it (and optionally {{tenant}}), e.g. https://console.example.com/approvals/{{tenant}}/{{approval_id}}.",
                [nameof(ApprovalPageUrl)]);
        }
    }
}
