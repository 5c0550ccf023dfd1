using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Tokens;

/// <summary>
/// Revokes decision tokens by generation: every token carries the tenant's and the agent's token generation it was
/// issued under (read in the admission's one store step), and a token is live only while both are still current.
/// Raising a generation is one write, and every outstanding token it covers is revoked on every replica at once
/// (each verification reads the shared store; nothing caches it on the gateway).
/// </summary>
public sealed class TokenGenerations
{
    private readonly IStateStore _store;
    private readonly ILogger<TokenGenerations> _logger;

    public TokenGenerations(IStateStore store, ILogger<TokenGenerations> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>Revokes every token issued to the agent so far (a suspension, a revoked secret).</summary>
    public async ValueTask RevokeAgentAsync(string tenant, string agent, string cause, CancellationToken cancellationToken = default)
    {
        var generation = await _store.IncrementAsync(StoreKeys.TokenGeneration(tenant, agent), 1, expiry: null, cancellationToken).ConfigureAwait(false);
        OversightLog.TokensRevoked(_logger, tenant, agent, cause, generation);
    }

    /// <summary>Revokes every token issued in the tenant so far (a tenant suspension).</summary>
    public async ValueTask RevokeTenantAsync(string tenant, string cause, CancellationToken cancellationToken = default)
    {
        var generation = await _store.IncrementAsync(StoreKeys.TokenGeneration(tenant), 1, expiry: null, cancellationToken).ConfigureAwait(false);
        OversightLog.TokensRevoked(_logger, tenant, "*", cause, generation);
    }

    /// <summary>
    /// Called when a replica puts a policy of the tenant in force: from then on, a token issued under any other policy
    /// of the tenant verifies as revoked (<c>policy_changed</c>), on every replica. A change of policy may not change a
    /// given token's decision; revoking them all is the safe over-approximation. While two replicas serve different
    /// policies, the tokens of the one that loaded its policy first verify as revoked.
    /// </summary>
    public ValueTask PolicyInForceAsync(string tenant, string policyDigest, CancellationToken cancellationToken = default) =>
        _store.SetAsync(StoreKeys.TokenPolicyDigest(tenant), policyDigest, expiry: null, cancellationToken);
}
