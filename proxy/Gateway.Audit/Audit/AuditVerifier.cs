using Gateway.Policy.AuditChain;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// Verifies a tenant's audit chains as stored: each from its anchor (or genesis), record by record, with the
/// explanations the records refer to fetched from the sink before each is checked (<see cref="AuditTenantChains"/>), and
/// the decisions whose outcome is unknown counted and named (<see cref="AuditOutcomeTally"/>). Each chain is read with the
/// anchor its records follow (<see cref="AuditStoredChain"/>), and read again when a retirement took records from under
/// the read, so that a retention run beside a verification is never reported as a broken link.
/// </summary>
internal sealed class AuditVerifier(IAuditStore store, ILogger logger)
{
    /// <summary>Walks every chain of the tenant from genesis and names the first broken link.</summary>
    public async ValueTask<AuditVerification> VerifyAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var partitions = new List<AuditChainVerification>();
        var explanations = new AuditExplanationReader(store, tenant);
        foreach (var replica in await store.ListReplicasAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            partitions.Add(await VerifyChainAsync(new AuditPartition(tenant, replica), explanations, cancellationToken).ConfigureAwait(false));
        }

        var broken = partitions.FirstOrDefault(static p => !p.Intact);
        return new AuditVerification
        {
            Tenant = tenant,
            Intact = broken is null,
            Records = broken?.Records ?? partitions.Sum(static p => p.Records),
            TipHash = broken?.TipHash ?? (partitions.Count > 0 ? partitions[^1].TipHash : AuditCanonicalJson.GenesisHash),
            Replica = broken?.Replica,
            BrokenAtIndex = broken?.BrokenAtIndex,
            Reason = broken?.Reason,
            Detail = broken?.Detail,
            OutcomeUnknown = partitions.Sum(static p => p.OutcomeUnknown),
            OutcomeUnknownRequestIds = [.. partitions.SelectMany(static p => p.OutcomeUnknownRequestIds).Take(AuditOutcomeTally.MaxListed)],
            Partitions = partitions,
        };
    }

    private async ValueTask<AuditChainVerification> VerifyChainAsync(AuditPartition partition, AuditExplanationReader explanations, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // The tip first: every record up to it is stored by the time the chain is read (those appended since are not a failure).
            var tip = await store.GetTipAsync(partition, cancellationToken).ConfigureAwait(false);
            await using var stored = await AuditStoredChain.OpenAsync(store, partition, 1, cancellationToken).ConfigureAwait(false);
            var verification = await VerifyFromAsync(partition, tip, stored, explanations, cancellationToken).ConfigureAwait(false);
            if (!verification.Intact && attempt < AuditStoredChain.MaxAttempts && await stored.MovedAsync().ConfigureAwait(false))
            {
                // A broken link read while a retirement took records from under the read: the chain again, from its new anchor.
                continue;
            }

            if (!verification.Intact)
            {
                AuditLog.AuditChainBroken(logger, partition.ToString(), verification.Records, verification.Reason!);
            }

            return verification;
        }
    }

    // The chain from its anchor, record by record: the first broken link, a chain that does not reach the store's tip (or
    // reaches it with another hash), or the chain intact.
    private static async ValueTask<AuditChainVerification> VerifyFromAsync(AuditPartition partition, AuditTip tip, AuditStoredChain stored, AuditExplanationReader explanations, CancellationToken cancellationToken)
    {
        var chains = AuditTenantChains.ForStoredChain(partition.Tenant, partition.Replica, stored.Anchor.Length, stored.Anchor.LastHash);
        var chain = chains.Chains[partition.Replica];
        if (TipBreak(tip, chain, ended: false) is { } atTheAnchor)
        {
            return Verification(partition, chains, chain, atTheAnchor);
        }

        await foreach (var line in stored.ReadAsync().ConfigureAwait(false))
        {
            // The explanation the record refers to, from the sink, before the record is checked against it.
            if (AuditStoredLine.TimeAndDigest(line).Digest is { } digest && !chains.KnowsExplanation(digest)
                && await explanations.GetAsync(digest, cancellationToken).ConfigureAwait(false) is { } explanation)
            {
                chains.AddExplanation(digest, explanation);
            }

            if ((chains.Check(line) ?? TipBreak(tip, chain, ended: false)) is { } broken)
            {
                return Verification(partition, chains, chain, broken);
            }
        }

        return Verification(partition, chains, chain, TipBreak(tip, chain, ended: true));
    }

    // Where the walk stands against the tip read before it: at the tip with another hash, or ended short of it, is broken.
    private static (string Reason, string Detail)? TipBreak(AuditTip tip, AuditChainLink chain, bool ended)
    {
        var last = chain.NextSeq - 1;
        return last == tip.Length && !string.Equals(chain.Previous, tip.LastHash, StringComparison.Ordinal)
            ? (AuditBreakReasons.TipMismatch, $"the store records the chain's tip at seq {tip.Length} with another hash than its record there")
            : ended && last < tip.Length ? (AuditBreakReasons.TipMismatch, $"the store records the chain's tip at seq {tip.Length}; its records end at seq {last}") : null;
    }

    // The chain as walked so far: broken at its next record (with why), or intact.
    private static AuditChainVerification Verification(AuditPartition partition, AuditTenantChains chains, AuditChainLink chain, (string Reason, string Detail)? broken) => new()
    {
        Replica = partition.Replica,
        Intact = broken is null,
        Records = chain.Records,
        TipHash = chain.Previous,
        BrokenAtIndex = broken is null ? null : chain.Records,
        Reason = broken?.Reason,
        Detail = broken?.Detail,
        OutcomeUnknown = chains.Outcomes.Unknown,
        OutcomeUnknownRequestIds = chains.Outcomes.UnknownRequestIds,
    };
}
