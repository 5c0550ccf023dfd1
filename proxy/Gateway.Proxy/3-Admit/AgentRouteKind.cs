namespace Gateway.Proxy.Admit;

/// <summary>The agent routes that forward nothing and are answered by their own handler; each is admitted as it says.</summary>
internal enum AgentRouteKind
{
    /// <summary><c>GET /v1/approvals/{id}</c>.</summary>
    ApprovalPoll,

    /// <summary><c>POST /v1/delegations</c>: counted against the registered agent's issuance window too.</summary>
    Delegation,

    /// <summary><c>POST /v1/runs</c> and <c>POST /v1/runs/{id}/events</c>: a bounded body without secret material.</summary>
    Run,

    /// <summary><c>GET /a2a/{connector}/.well-known/agent-card.json</c>: a remote agent's card, as the gateway serves it.</summary>
    A2aCard,
}
