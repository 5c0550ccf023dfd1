using Gateway.Policy.Tokens;
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

    /// <summary>The counters a token of <paramref name="agent"/> in <paramref name="tenant"/> is issued under, in claim order (<c>tgn</c>, <c>agn</c>).</summary>
    public static IReadOnlyList<string> KeysOf(string tenant, string agent) => [StoreKeys.TokenGeneration(tenant), StoreKeys.TokenGeneration(tenant, agent)];

    /// <summary>
    /// Why <paramref name="token"/> is revoked by the generations now current (read from <see cref="KeysOf"/>, in that
    /// order): <c>tenant_revoked</c> or <c>agent_revoked</c>; null while both are those it was issued under.
    /// </summary>
    public static string? RevocationOf(DecisionTokenPayload token, long tenantGeneration, long agentGeneration) =>
        tenantGeneration != token.TenantGeneration ? DecisionTokenStatus.Reasons.TenantRevoked
        : agentGeneration != token.AgentGeneration ? DecisionTokenStatus.Reasons.AgentRevoked
        : null;

    /// <summary>A generation counter's value as the store answers it; an absent counter is generation 0.</summary>
    public static long Generation(string? value) =>
        value is null ? 0 : long.Parse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture);

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
    /// What <see cref="PolicyInForceAsync"/> writes for a tenant the replica's new bundle no longer holds: no policy's
    /// digest (lowercase hex) equals it, so every token of the tenant verifies as revoked (<c>policy_changed</c>).
    /// </summary>
    public const string PolicyRemoved = "removed";

    /// <summary>
    /// Called when a replica puts a policy of the tenant in force (<paramref name="policyDigest"/>), or removes the tenant
    /// (<see cref="PolicyRemoved"/>): from then on, a token issued under any other policy of the tenant verifies as revoked
    /// (<c>policy_changed</c>), on every replica. A change of policy may not change a given token's decision; revoking them
    /// all is the safe over-approximation. The store holds one policy per tenant, the last one written: while two replicas
    /// serve different policies, the tokens of the one that wrote its policy last verify as live, the other's as revoked,
    /// and putting a policy back in force (a rollback to the same content) makes its tokens live again.
    /// </summary>
    public ValueTask PolicyInForceAsync(string tenant, string policyDigest, CancellationToken cancellationToken = default) =>
        _store.SetAsync(StoreKeys.TokenPolicyDigest(tenant), policyDigest, expiry: null, cancellationToken);
}
