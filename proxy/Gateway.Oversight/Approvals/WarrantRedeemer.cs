using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Redeems approval warrants: what a warrant must match (signature, expiry, tenant, agent, intent digest, policy
/// digest, not revoked) and that it is used once only, on any replica (<see cref="IApprovalStore"/>). Held by
/// <see cref="ApprovalService"/>, whose <c>RedeemWarrantAsync</c> and <c>CheckWarrantAsync</c> it answers.
/// </summary>
internal sealed class WarrantRedeemer(
    IApprovalStore store,
    IStateStore state,
    WarrantSigner signer,
    IWarrantCompatibility compatibility,
    TimeProvider time,
    OversightMetrics metrics,
    ILogger logger)
{
    /// <summary>
    /// Verifies a warrant presented with a retried request and consumes it atomically: the signature,
    /// expiry, tenant, agent, intent digest and policy digest (equal, or compatible per
    /// <see cref="IWarrantCompatibility"/>) must all match, and a warrant is accepted once only.
    /// A refused warrant is not consumed.
    /// </summary>
    public async ValueTask<WarrantRedemption> RedeemAsync(WarrantPresentation presentation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(presentation);
        var result = await RedeemCoreAsync(presentation, consume: true, cancellationToken);
        metrics.WarrantRedemption(presentation.Tenant, result.Reason ?? "redeemed");
        if (result.Redeemed)
        {
            OversightLog.WarrantRedeemed(logger, presentation.Tenant, presentation.Agent, result.Claims!.Apr);
        }
        else
        {
            OversightLog.WarrantRefused(logger, presentation.Tenant, presentation.Agent, result.Reason!);
        }

        return result;
    }

    /// <summary>
    /// The same checks as <see cref="RedeemAsync"/>, including "not used yet", without consuming
    /// the warrant: for <c>simulate</c> requests, which must report what a real call would do and leave
    /// the warrant good for it.
    /// </summary>
    public ValueTask<WarrantRedemption> CheckAsync(WarrantPresentation presentation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(presentation);
        return RedeemCoreAsync(presentation, consume: false, cancellationToken);
    }

    private async ValueTask<WarrantRedemption> RedeemCoreAsync(WarrantPresentation presentation, bool consume, CancellationToken cancellationToken)
    {
        if (!signer.TryVerify(presentation.Warrant, out var claims, out var reason))
        {
            return WarrantRedemption.Refused(reason!);
        }

        var now = time.GetUtcNow();
        if (now.ToUnixTimeSeconds() >= claims!.Exp)
        {
            return WarrantRedemption.Refused(WarrantReasons.Expired, claims);
        }

        if (!string.Equals(claims.Tid, presentation.Tenant, StringComparison.Ordinal))
        {
            return WarrantRedemption.Refused(WarrantReasons.TenantMismatch, claims);
        }

        if (!string.Equals(claims.Aid, presentation.Agent, StringComparison.Ordinal))
        {
            return WarrantRedemption.Refused(WarrantReasons.AgentMismatch, claims);
        }

        if (!string.Equals(claims.Act, presentation.IntentDigest, StringComparison.Ordinal))
        {
            return WarrantRedemption.Refused(WarrantReasons.IntentMismatch, claims);
        }

        if (!compatibility.IsCompatible(presentation.Tenant, claims.Pol, presentation.PolicyDigest))
        {
            return WarrantRedemption.Refused(WarrantReasons.PolicyChanged, claims);
        }

        if (!ApprovalIds.IsWellFormed(claims.Apr))
        {
            return WarrantRedemption.Refused(WarrantReasons.Malformed, claims);
        }

        if (await state.GetAsync(StoreKeys.ApprovalRevoked(presentation.Tenant, claims.Apr), cancellationToken) is not null)
        {
            return WarrantRedemption.Refused(WarrantReasons.Revoked, claims);
        }

        if (!consume)
        {
            return await store.IsWarrantUsedAsync(presentation.Tenant, claims.Apr, cancellationToken)
                ? WarrantRedemption.Refused(WarrantReasons.AlreadyUsed, claims)
                : new WarrantRedemption(true, null, claims);
        }

        // Keep the 'used' mark a minute past expiry so that clock skew between replicas cannot reopen it.
        var markLifetime = DateTimeOffset.FromUnixTimeSeconds(claims.Exp) - now + TimeSpan.FromMinutes(1);
        var first = await store.TryUseWarrantAsync(presentation.Tenant, claims.Apr, markLifetime, cancellationToken);
        return first ? new WarrantRedemption(true, null, claims) : WarrantRedemption.Refused(WarrantReasons.AlreadyUsed, claims);
    }
}
