namespace Gateway.Policy;

/// <summary>
/// Everything one tenant's bundle declares, as plain data. <see cref="TenantPolicy.Create"/> indexes it
/// for the decision path.
/// </summary>
public sealed record TenantRegister
{
    public required string Tenant { get; init; }

    public DeploymentEnvironment Environment { get; init; } = DeploymentEnvironment.Prod;

    /// <summary>Shadow mode: decisions are computed and reported but not enforced.</summary>
    public bool Simulate { get; init; }

    public IReadOnlyList<string> Workspaces { get; init; } = [];

    public IReadOnlyList<AgentRecord> Agents { get; init; } = [];

    public IReadOnlyList<CatalogEntry> Catalog { get; init; } = [];

    public IReadOnlyList<ApprovalGate> Gates { get; init; } = [];

    public IReadOnlyList<DataFlow> DataFlows { get; init; } = [];

    public IReadOnlyList<RiskItem> Risks { get; init; } = [];

    public IReadOnlyList<RedTeamTest> RedTeamTests { get; init; } = [];

    public IReadOnlyList<CustomRule> Rules { get; init; } = [];

    public IReadOnlyList<RateLimit> RateLimits { get; init; } = [];

    public IReadOnlyList<TokenBudget> Budgets { get; init; } = [];

    /// <summary>What one run of an agent may do (<c>run_limits</c>): the tenant's default (<c>*</c>) and agents' own.</summary>
    public IReadOnlyList<RunLimits> RunLimits { get; init; } = [];

    public IReadOnlyList<Approver> Approvers { get; init; } = [];

    /// <summary>The tenant's OpenID provider (<c>openid_provider:</c>), whose tokens name the person an agent acts for; null when none.</summary>
    public OpenIdProvider? OpenIdProvider { get; init; }

    /// <summary>What applies to an action no <c>allow</c> rule matches (default allow: the controls and rules decide).</summary>
    public RuleEffect DefaultVerdict { get; init; } = RuleEffect.Allow;

    /// <summary>Earlier policy digests the author declares this policy compatible with (warrants approved under them stay valid).</summary>
    public IReadOnlyList<string> CompatibleWith { get; init; } = [];

    /// <summary>The limits on delegated child identities (<c>delegation</c>: <c>max_ttl</c>, <c>max_depth</c>, <c>issuance_limit</c>, <c>issuance_window</c>).</summary>
    public DelegationSettings Delegation { get; init; } = DelegationSettings.Default;
}
