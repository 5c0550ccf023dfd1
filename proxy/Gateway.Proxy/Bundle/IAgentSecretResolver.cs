using Gateway.Policy;

namespace Gateway.Proxy.Bundle;

/// <summary>Resolves an agent's runtime-secret reference (<c>env:</c>, <c>file:</c>, <c>vault:</c>) to its text.</summary>
public interface IAgentSecretResolver
{
    /// <summary>The secret, or null when the reference names nothing.</summary>
    ValueTask<string?> ResolveAsync(string tenant, SecretReference reference, CancellationToken cancellationToken);
}
