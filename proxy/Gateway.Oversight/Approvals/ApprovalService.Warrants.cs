namespace Gateway.Oversight.Approvals;

/// <summary>The warrant half of <see cref="ApprovalService"/>: checking a presented warrant, and redeeming it once.</summary>
public sealed partial class ApprovalService
{
    /// <summary>Seconds a warrant's lifetime may exceed its TTL by (rounding of the approval time to whole seconds).</summary>
    private const long WarrantLifetimeSlackSeconds = 5;

    /// <summary>
    /// Verifies a warrant presented with a retried request and consumes it atomically: the signature,
    /// lifetime, expiry, tenant, agent, token generations (<see cref="WarrantPresentation.Generations"/>), intent digest and policy digest (equal, or compatible per
    /// <see cref="IWarrantCompatibility"/>) must all match, the approval it names must be this tenant's, approved, for this
    /// agent, tool, intent and policy, for an obligation that covers the one the request meets now
    /// (<see cref="WarrantPresentation.Obligation"/>), and not revoked, and a warrant is accepted once only. A refused warrant is not consumed.
    /// </summary>
    public async ValueTask<WarrantRedemption> RedeemWarrantAsync(WarrantPresentation presentation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(presentation);
        var result = await RedeemCoreAsync(presentation, consume: true, cancellationToken);
        _metrics.WarrantRedemption(presentation.Tenant, result.Reason ?? "redeemed");
        if (result.Redeemed)
        {
            OversightLog.WarrantRedeemed(_logger, presentation.Tenant, presentation.Agent, result.Claims!.Apr);
        }
        else
        {
            OversightLog.WarrantRefused(_logger, presentation.Tenant, presentation.Agent, result.Reason!);
        }

        return result;
    }

    /// <summary>
    /// The checks of <see cref="RedeemWarrantAsync"/>, including "not used yet", without consuming the warrant: for a
    /// decision that redeems it once the decision is recorded (the redemption itself is <see cref="RedeemWarrantAsync"/>,
    /// which a concurrent request can still win). A refusal is counted and logged as a refused redemption; an accepted
    /// warrant is counted when it is redeemed.
    /// </summary>
    public async ValueTask<WarrantRedemption> CheckBeforeRedeemingAsync(WarrantPresentation presentation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(presentation);
        var result = await RedeemCoreAsync(presentation, consume: false, cancellationToken);
        if (!result.Redeemed)
        {
            _metrics.WarrantRedemption(presentation.Tenant, result.Reason!);
            OversightLog.WarrantRefused(_logger, presentation.Tenant, presentation.Agent, result.Reason!);
        }

        return result;
    }

    /// <summary>
    /// The same checks as <see cref="RedeemWarrantAsync"/>, including "not used yet", without consuming
    /// the warrant: for <c>simulate</c> requests, which must report what a real call would do and leave
    /// the warrant good for it.
    /// </summary>
    public ValueTask<WarrantRedemption> CheckWarrantAsync(WarrantPresentation presentation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(presentation);
        return RedeemCoreAsync(presentation, consume: false, cancellationToken);
    }

    private async ValueTask<WarrantRedemption> RedeemCoreAsync(WarrantPresentation presentation, bool consume, CancellationToken cancellationToken)
    {
        if (!_signer.TryVerify(presentation.Warrant, out var claims, out var reason))
        {
            return WarrantRedemption.Refused(reason!);
        }

        // No warrant outlives the longest warrant TTL a gate may ask for (checked before any read).
        if (claims!.Exp - claims.Iat > (long)Math.Ceiling(_options.MaxWarrantTtl.TotalSeconds) + WarrantLifetimeSlackSeconds)
        {
            return WarrantRedemption.Refused(WarrantReasons.LifetimeExceeded, claims);
        }

        var now = _time.GetUtcNow();
        if (now.ToUnixTimeSeconds() >= claims.Exp)
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

        // A suspension (or a revoked secret) since the warrant was issued revokes it, as it revokes decision tokens.
        var (tenantGeneration, agentGeneration) = presentation.Generations
            ?? await GenerationsAsync(presentation.Tenant, presentation.RegisteredAgent ?? presentation.Agent, cancellationToken);
        if (tenantGeneration != claims.Tgn || agentGeneration != claims.Agn)
        {
            return WarrantRedemption.Refused(tenantGeneration != claims.Tgn ? WarrantReasons.TenantRevoked : WarrantReasons.AgentRevoked, claims);
        }

        if (!string.Equals(claims.Act, presentation.IntentDigest, StringComparison.Ordinal))
        {
            return WarrantRedemption.Refused(WarrantReasons.IntentMismatch, claims);
        }

        if (!_compatibility.IsCompatible(presentation.Tenant, claims.Pol, presentation.PolicyDigest))
        {
            return WarrantRedemption.Refused(WarrantReasons.PolicyChanged, claims);
        }

        if (!ApprovalIds.IsWellFormed(claims.Apr))
        {
            return WarrantRedemption.Refused(WarrantReasons.Malformed, claims);
        }

        // The approval the warrant names, its outcome and its revocation mark, read at once (only when a warrant is presented).
        var approvalRead = LoadAsync(presentation.Tenant, claims.Apr, cancellationToken).AsTask();
        var outcomeRead = _store.GetOutcomeAsync(presentation.Tenant, claims.Apr, cancellationToken).AsTask();
        var revokedRead = IsRevokedAsync(presentation.Tenant, claims.Apr, cancellationToken);
        await Task.WhenAll(approvalRead, outcomeRead, revokedRead);
        var (approval, outcome) = (await approvalRead, await outcomeRead);
        if (!IsApprovalOf(approval, outcome, claims))
        {
            return WarrantRedemption.Refused(WarrantReasons.UnknownApproval, claims);
        }

        // A warrant lifts the obligation its approval was given for, never another the request meets now (read from the
        // approval, so a warrant issued before the obligation was checked is held to it the same way).
        if (presentation.Obligation is { } current && !ApprovalObligation.Of(approval!).Covers(current))
        {
            return WarrantRedemption.Refused(WarrantReasons.ObligationChanged, claims);
        }

        // A warrant expires when its approval's warrant TTL, counted from the approval, ends: never later.
        if (claims.Exp > outcome!.At.ToUnixTimeSeconds() + approval!.WarrantTtlSeconds + WarrantLifetimeSlackSeconds)
        {
            return WarrantRedemption.Refused(WarrantReasons.LifetimeExceeded, claims);
        }

        if (await revokedRead)
        {
            return WarrantRedemption.Refused(WarrantReasons.Revoked, claims);
        }

        if (!consume)
        {
            // Used by a revocation since its mark was read: revoked, not carried out.
            return !await _store.IsWarrantUsedAsync(presentation.Tenant, claims.Apr, cancellationToken)
                ? new WarrantRedemption(true, null, claims)
                : WarrantRedemption.Refused(
                    await IsRevokedAsync(presentation.Tenant, claims.Apr, cancellationToken) ? WarrantReasons.Revoked : WarrantReasons.AlreadyUsed, claims);
        }

        // Keep the 'used' mark at least a minute past expiry so that clock skew between replicas cannot reopen it, and as
        // long as the approval it names (the lookback reads it).
        var markLifetime = DateTimeOffset.FromUnixTimeSeconds(claims.Exp) - now + TimeSpan.FromMinutes(1);
        var recordLifetime = KeyLifetime(approval!, now);
        if (recordLifetime > markLifetime)
        {
            markLifetime = recordLifetime;
        }

        if (await _store.TryUseWarrantAsync(presentation.Tenant, claims.Apr, markLifetime, cancellationToken))
        {
            return new WarrantRedemption(true, null, claims);
        }

        // Lost: to a concurrent redemption, or to a revocation since the mark was read (ApprovalService.RevokeAsync takes the
        // same use, after writing its mark): the mark, read again, tells which.
        return WarrantRedemption.Refused(
            await IsRevokedAsync(presentation.Tenant, claims.Apr, cancellationToken) ? WarrantReasons.Revoked : WarrantReasons.AlreadyUsed, claims);
    }

    /// <summary>True when <paramref name="approval"/> is an approved request for the warrant's agent, tool, intent and policy.</summary>
    private static bool IsApprovalOf(ApprovalRequest? approval, ApprovalOutcomeDocument? outcome, WarrantClaims claims) =>
        approval is not null
        && outcome?.Status == ApprovalStatus.Approved
        && string.Equals(approval.Agent, claims.Aid, StringComparison.Ordinal)
        && string.Equals(approval.Tool, claims.Tool, StringComparison.Ordinal)
        && string.Equals(approval.IntentDigest, claims.Act, StringComparison.Ordinal)
        && string.Equals(approval.PolicyDigest, claims.Pol, StringComparison.Ordinal);

    /// <summary>The tenant's and the (registered) agent's token generations now current (<see cref="Tokens.TokenGenerations.KeysOf"/>).</summary>
    private async ValueTask<(long Tenant, long Agent)> GenerationsAsync(string tenant, string agent, CancellationToken cancellationToken)
    {
        var values = await _state.GetManyAsync(Tokens.TokenGenerations.KeysOf(tenant, agent), cancellationToken);
        return (Tokens.TokenGenerations.Generation(values[0]), Tokens.TokenGenerations.Generation(values[1]));
    }
}
