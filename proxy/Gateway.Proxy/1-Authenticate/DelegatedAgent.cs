using Gateway.Oversight.Delegations;
using Gateway.Policy;

namespace Gateway.Proxy.Authenticate;

/// <summary>A delegated child as authenticated: its live record in the shared store, and the scope the decision narrows its agent by.</summary>
public sealed record DelegatedAgent(DelegationRecord Record, DelegationScope Scope);
