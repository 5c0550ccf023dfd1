namespace Gateway.Policy;

/// <summary>A governed connector or tool in a tenant's catalog.</summary>
public sealed record CatalogEntry
{
    /// <summary>Catalog name, e.g. <c>crm.read_contact</c>; what a request's <c>tool</c> names.</summary>
    public required string Name { get; init; }

    public required ConnectorKind Kind { get; init; }

    public required ActionType ActionType { get; init; }

    public RiskTier RiskTier { get; init; } = RiskTier.Low;

    /// <summary>The target system, e.g. <c>crm</c>, <c>payments</c>.</summary>
    public string? TargetSystem { get; init; }

    /// <summary>The classes of data the tool handles; requests may widen, never narrow.</summary>
    public DataClassSet DataClasses { get; init; }

    /// <summary>The action leaves the organisation's boundary.</summary>
    public bool External { get; init; }

    /// <summary>Absolute http(s) upstream; null only for <see cref="ConnectorKind.McpTool"/> and <see cref="ConnectorKind.A2aSkill"/>.</summary>
    public Uri? Upstream { get; init; }

    /// <summary>
    /// Further base URLs equivalent to <see cref="Upstream"/> (<c>destinations:</c>); requests are
    /// balanced over all of them and an unhealthy one is skipped. Empty for a single upstream.
    /// </summary>
    public IReadOnlyList<Uri> Destinations { get; init; } = [];

    /// <summary>The active health check of the destinations, when declared.</summary>
    public ConnectorHealthCheck? HealthCheck { get; init; }

    public SecretReference? Credential { get; init; }

    public ConnectorAuth Auth { get; init; } = ConnectorAuth.Bearer;

    /// <summary>The connector acts for a person (<c>person:</c>): refused without one; what is sent upstream for them.</summary>
    public PersonRequirement? Person { get; init; }

    public ConnectorLimits Limits { get; init; } = ConnectorLimits.None;

    /// <summary>The declared reduced form; null means <see cref="DegradeSpec.DefaultReadOnly"/>.</summary>
    public DegradeSpec? Degrade { get; init; }

    public HttpBinding? Http { get; init; }

    /// <summary>
    /// For <see cref="ConnectorKind.McpTool"/>: the name of the <see cref="ConnectorKind.Mcp"/> entry serving it; for
    /// <see cref="ConnectorKind.A2aSkill"/>: the <see cref="ConnectorKind.A2a"/> agent whose skill it is.
    /// </summary>
    public string? Connector { get; init; }

    /// <summary>For <see cref="ConnectorKind.McpTool"/>: the tool's name on that server.</summary>
    public string? McpTool { get; init; }

    /// <summary>For <see cref="ConnectorKind.A2aSkill"/>: the skill's id on the remote agent's card.</summary>
    public string? A2aSkill { get; init; }

    /// <summary>
    /// For <see cref="ConnectorKind.A2a"/>: the public key (a JWK, as compact JSON) the remote agent's card must be signed
    /// with (<c>card_key:</c>); null when the card is not pinned (a signed card is then refused: its key is not pinned).
    /// </summary>
    public string? CardKey { get; init; }

    /// <summary>
    /// For <see cref="ConnectorKind.A2a"/>: the tenant lets messages ask the remote agent for push notifications to a
    /// loopback, private or link-local webhook (<c>allow_internal_push: true</c>); refused by default (SSRF).
    /// </summary>
    public bool AllowInternalPush { get; init; }

    /// <summary>
    /// For <see cref="ConnectorKind.A2a"/>: the only hosts a push-notification webhook may be on (<c>push_hosts:</c>,
    /// <see cref="A2aPushHosts"/>); null when any host passes that the address checks let through, empty when none does.
    /// </summary>
    public IReadOnlyList<string>? PushHosts { get; init; }

    /// <summary>What the entry does, for people and for agents (a tool's description on <c>/mcp</c>).</summary>
    public string? Description { get; init; }

    /// <summary>For <c>http</c> and <c>webhook</c>: the JSON Schema of the tool's arguments, as compact JSON text.</summary>
    public string? InputSchema { get; init; }

    /// <summary>For a model connector (<c>openai</c>, <c>anthropic</c>): what its tokens cost (<c>pricing:</c>); null when unpriced.</summary>
    public ModelPricing? Pricing { get; init; }

    /// <summary>
    /// For a model connector: the tools the provider runs itself that its requests may name (<c>provider_tools:</c>, e.g.
    /// <c>web_search</c>); empty: only tools the agent runs (functions). MCP server tools are never allowed.
    /// </summary>
    public IReadOnlyList<string> ProviderTools { get; init; } = [];

    /// <summary>For <see cref="ConnectorKind.McpTool"/>: the digest (<c>sha256:…</c>) the server's definition of the tool must match.</summary>
    public string? Pin { get; init; }

    /// <summary>For <see cref="ConnectorKind.Context"/>: the entry is a workspace store agents write back to (<c>writeback:</c>); null: read-only.</summary>
    public WritebackSettings? Writeback { get; init; }

    /// <summary>
    /// The entry's outcome record must be durable before the agent is answered (<c>audit: {outcome: before_response}</c>:
    /// mandatory detailed audit, one more wait on the audit sink per call); by default it is appended right after the answer.
    /// </summary>
    public bool OutcomeBeforeResponse { get; init; }

    /// <summary>Impact from the catalog alone (action type and risk tier; decision-model §1).</summary>
    public ActionImpact Impact => ImpactOf(ActionType);

    /// <summary>
    /// The impact of an action of <paramref name="actionType"/> on this entry: high for a write, delete, external,
    /// financial or code-modification action, or on a high- or critical-risk entry; low otherwise (decision-model §1).
    /// </summary>
    public ActionImpact ImpactOf(ActionType actionType) => actionType is ActionType.Write or ActionType.Delete or ActionType.External
        or ActionType.Financial or ActionType.CodeModification || RiskTier is RiskTier.High or RiskTier.Critical
        ? ActionImpact.High
        : ActionImpact.Low;
}
