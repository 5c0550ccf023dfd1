namespace Gateway.Proxy.Authentication;

/// <summary>
/// The kill switches an operator can flip at run time (suspend an agent, revoke its secret), read on
/// every request from the shared store so that every replica honours them at once.
/// </summary>
public interface IAgentStatusSource
{
    /// <summary>Throws <see cref="Gateway.Store.StateStoreUnavailableException"/> when the store cannot answer.</summary>
    ValueTask<AgentRuntimeStatus> GetAsync(string tenant, string agent, CancellationToken cancellationToken);
}

/// <summary>What the operator has switched off for one agent.</summary>
public readonly record struct AgentRuntimeStatus(bool Suspended, bool SecretRevoked)
{
    public static AgentRuntimeStatus Normal { get; } = new(false, false);
}
