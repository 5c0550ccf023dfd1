using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Approvals;

/// <summary>The voting half of <see cref="ApprovalService"/>: approvals and denials by the approvers a request names, and revocations.</summary>
public sealed partial class ApprovalService
{
    /// <summary>
    /// What a revocation mark's value (the actor) ends with once the revocation took the warrant's use unused: replicas
    /// before the use said who took it read it (and wrote it). Still written for them during a rolling upgrade; drop the
    /// writing one release after this one, the reading the release after that.
    /// </summary>
    private const string LegacyVoidedUnused = "\nwarrant-voided-unused";

    /// <summary>
    /// Records <paramref name="voter"/>'s approval, with the credential it is cast with. Only a named approver of the request
    /// may approve; each person counts once and each token minter counts once (store sets, so concurrent approvals on
    /// different replicas count correctly): the request is approved when enough of the counted votes can each be paired with
    /// a person and a minter of their own (only the minters behind the votes still counted count). Each time votes are
    /// counted, a vote counts only while its person is still an approver in the tenant's register and not suspended, and
    /// its credential is not revoked (<see cref="IVotingCredentials"/>; a vote kept without one counts as it did).
    /// </summary>
    public async ValueTask<ApprovalActionResult> ApproveAsync(string tenant, string id, ApprovalVoter voter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(voter);
        var (stored, current, refusal) = await PrepareActionAsync(tenant, id, voter.Person, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var now = _time.GetUtcNow();
        var tally = await _store.AddVoteAsync(tenant, stored!.Id, voter, KeyLifetime(stored, now), cancellationToken);
        var (accepted, live) = await StillCountingAsync(stored, tally, cancellationToken);
        var count = CountedApprovals(tally, accepted, live);
        OversightLog.ApprovalVote(_logger, tenant, stored.Id, voter.Person, count, stored.ApprovalsRequired);
        if (count >= stored.ApprovalsRequired)
        {
            var status = now < stored.ExpiresAt ? ApprovalStatus.Approved : ApprovalStatus.Expired;
            await TrySettleAsync(stored, status, by: null, now, cancellationToken);
        }

        current = await CurrentAsync(stored, cancellationToken);
        return current.Status is ApprovalStatus.Approved or ApprovalStatus.Pending
            ? ApprovalActionResult.Ok(current)
            : ApprovalActionResult.Fail(current.Status == ApprovalStatus.Expired ? ApprovalErrorCodes.Expired : ApprovalErrorCodes.NotPending, current);
    }

    /// <summary>Denies the request; any one named approver may deny while it is pending.</summary>
    public async ValueTask<ApprovalActionResult> DenyAsync(string tenant, string id, ApprovalVoter voter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(voter);
        var (stored, _, refusal) = await PrepareActionAsync(tenant, id, voter.Person, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var won = await TrySettleAsync(stored!, ApprovalStatus.Denied, voter.Person, _time.GetUtcNow(), cancellationToken);
        var current = await CurrentAsync(stored!, cancellationToken);
        return won ? ApprovalActionResult.Ok(current) : ApprovalActionResult.Fail(ApprovalErrorCodes.NotPending, current);
    }

    /// <summary>
    /// Revokes an approved request after the fact: its warrant is refused from now on (<see cref="WarrantReasons.Revoked"/>),
    /// and every decision token issued under it verifies as revoked, on every replica at once (a mark in the shared
    /// state store, kept until the last such token has expired, written only if absent). Only an approved request can be
    /// revoked; a pending one is denied instead. The warrant's one use is where a revocation and a redemption meet: after
    /// its mark, the revocation takes the use for itself (<see cref="IApprovalStore.TryVoidWarrantAsync"/>: the same
    /// set-if-absent a redemption takes, its value saying a revocation took it), so a redemption that read "not revoked"
    /// before the mark loses it and is refused. The answer is read from that one record: OK when a revocation took the use
    /// (this one or an earlier one), <see cref="ApprovalErrorCodes.AlreadyUsed"/> when a redemption did (the action was
    /// carried out; the mark still voids the decision tokens issued under it). So revoking again, at any moment, answers
    /// as the first revocation did and changes nothing.
    /// </summary>
    public async ValueTask<ApprovalActionResult> RevokeAsync(string tenant, string id, string actor, CancellationToken cancellationToken = default)
    {
        var stored = await LoadAsync(tenant, id, cancellationToken);
        if (stored is null)
        {
            return ApprovalActionResult.Fail(ApprovalErrorCodes.NotFound);
        }

        var current = await CurrentAsync(stored, cancellationToken);
        if (current.Status != ApprovalStatus.Approved)
        {
            return ApprovalActionResult.Fail(ApprovalErrorCodes.NotApproved, current);
        }

        // A warrant lives WarrantTtlSeconds from the decision; a token issued under it at most 300 s more.
        var now = _time.GetUtcNow();
        var decidedAt = current.DecidedAt ?? now;
        var until = decidedAt + TimeSpan.FromSeconds(current.WarrantTtlSeconds) + TimeSpan.FromSeconds(300) + TimeSpan.FromMinutes(1);
        var lifetime = until - now;
        var marked = lifetime > TimeSpan.Zero && await _state.TrySetIfAbsentAsync(StoreKeys.ApprovalRevoked(tenant, id), actor, lifetime, cancellationToken);

        // Then the warrant's one use, kept as long as the approval it names (the lookback reads it).
        var voided = await _store.TryVoidWarrantAsync(tenant, id, WarrantUseLifetime(stored, decidedAt, now), cancellationToken);
        if (!voided && await CarriedOutAsync(tenant, id, cancellationToken))
        {
            if (marked)
            {
                LogRevokedAfterUse(_logger, tenant, id, actor);
            }

            return ApprovalActionResult.Fail(ApprovalErrorCodes.AlreadyUsed, current);
        }

        if (voided)
        {
            OversightLog.ApprovalRevoked(_logger, tenant, id, actor);
            if (lifetime > TimeSpan.Zero)
            {
                // As the previous release wrote it, so that its replicas read the use as voided, not carried out (a retried
                // revocation there answers OK; its lookback). Drop one release after this one.
                await _state.SetAsync(StoreKeys.ApprovalRevoked(tenant, id), actor + LegacyVoidedUnused, lifetime, cancellationToken);
            }
        }

        return ApprovalActionResult.Ok(current);
    }

    /// <summary>True while the mark <see cref="RevokeAsync"/> leaves on approval <paramref name="id"/> is kept: what polls, warrants and intents read.</summary>
    internal async Task<bool> IsRevokedAsync(string tenant, string id, CancellationToken cancellationToken) =>
        await _state.GetAsync(StoreKeys.ApprovalRevoked(tenant, id), cancellationToken) is not null;

    /// <summary>
    /// True when approval <paramref name="id"/>'s warrant was used by a redemption (the action was carried out), not by a
    /// revocation (<see cref="ApprovalLookback"/> reads it). Read from the use itself, kept as long as the approval; a use a
    /// replica not yet upgraded took for a revocation is told by the suffix it wrote on the mark.
    /// </summary>
    internal async Task<bool> CarriedOutAsync(string tenant, string id, CancellationToken cancellationToken) =>
        await _store.GetWarrantUseAsync(tenant, id, cancellationToken) == WarrantUse.Redeemed
        && (await _state.GetAsync(StoreKeys.ApprovalRevoked(tenant, id), cancellationToken))?.EndsWith(LegacyVoidedUnused, StringComparison.Ordinal) != true;

    /// <summary>How long a warrant's use is kept: as long as the approval it names, and never less than a minute past the warrant's expiry.</summary>
    private TimeSpan WarrantUseLifetime(ApprovalRequest request, DateTimeOffset decidedAt, DateTimeOffset now)
    {
        var pastExpiry = DateTimeOffset.FromUnixTimeSeconds(decidedAt.ToUnixTimeSeconds() + request.WarrantTtlSeconds) - now + TimeSpan.FromMinutes(1);
        var record = KeyLifetime(request, now);
        return pastExpiry > record ? pastExpiry : record;
    }

    private async ValueTask<(ApprovalRequest? Stored, ApprovalRequest? Current, ApprovalActionResult? Refusal)> PrepareActionAsync(
        string tenant, string id, string approverName, CancellationToken cancellationToken)
    {
        var stored = await LoadAsync(tenant, id, cancellationToken);
        if (stored is null)
        {
            return (null, null, ApprovalActionResult.Fail(ApprovalErrorCodes.NotFound));
        }

        if (!stored.Approvers.Contains(approverName, StringComparer.Ordinal))
        {
            return (stored, null, ApprovalActionResult.Fail(ApprovalErrorCodes.NotAnApprover));
        }

        var current = await CurrentAsync(stored, cancellationToken);
        return current.Status switch
        {
            ApprovalStatus.Pending => (stored, current, null),
            ApprovalStatus.Expired => (stored, current, ApprovalActionResult.Fail(ApprovalErrorCodes.Expired, current)),
            _ => (stored, current, ApprovalActionResult.Fail(ApprovalErrorCodes.NotPending, current)),
        };
    }

    // What still counts now: the persons behind the tally's votes whom the request names, whom the register still lists as
    // approvers and who are not suspended; and the votes of those persons whose credential is not revoked (a vote with none counts).
    private async ValueTask<(HashSet<string> Persons, List<ApprovalVoter> Votes)> StillCountingAsync(
        ApprovalRequest request, ApprovalTally tally, CancellationToken cancellationToken)
    {
        var persons = new HashSet<string>(StringComparer.Ordinal);
        foreach (var person in tally.Persons.Concat(tally.Votes.Select(static v => v.Person)).Distinct(StringComparer.Ordinal))
        {
            if (request.Approvers.Contains(person, StringComparer.Ordinal)
                && _register.IsApprover(request.Tenant, person)
                && !await _suspensions.IsPersonSuspendedAsync(request.Tenant, person, cancellationToken))
            {
                persons.Add(person);
            }
        }

        var revoked = new Dictionary<string, bool>(StringComparer.Ordinal);
        var votes = new List<ApprovalVoter>();
        foreach (var vote in tally.Votes.Where(v => persons.Contains(v.Person)))
        {
            if (vote.Credential is { } credential)
            {
                if (!revoked.TryGetValue(credential, out var isRevoked))
                {
                    revoked[credential] = isRevoked = await _credentials.IsRevokedAsync(request.Tenant, credential, cancellationToken);
                }

                if (isRevoked)
                {
                    continue;
                }
            }

            votes.Add(vote);
        }

        return (persons, votes);
    }

    // How many approvals the tally holds: the votes still counted (live) that can each be paired off with a person and a
    // minter of their own, so the minter of a vote no longer counted (an approver since removed from the register, a token
    // since revoked) never makes up for the one minter behind the rest. Votes cast before they were kept paired (an
    // approval opened before an upgrade) have no known minter: while every voter and every paired vote still counts they
    // count as they did (distinct persons and minters), otherwise only the paired votes count (a legacy voter votes again).
    private static int CountedApprovals(ApprovalTally tally, HashSet<string> accepted, List<ApprovalVoter> live)
    {
        var paired = tally.Votes.Select(v => v.Person).ToHashSet(StringComparer.Ordinal);
        if (tally.Persons.Any(p => !paired.Contains(p)) && tally.Persons.All(accepted.Contains) && live.Count == tally.Votes.Count)
        {
            return Math.Min(tally.Persons.Count, tally.Issuers);
        }

        var minters = live
            .GroupBy(v => v.Person, StringComparer.Ordinal)
            .Select(g => g.Select(v => v.IssuedBy).Distinct(StringComparer.Ordinal).ToArray())
            .ToArray();
        var holders = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        for (var person = 0; person < minters.Length; person++)
        {
            if (TryPair(person, minters, holders, new HashSet<string>(StringComparer.Ordinal)))
            {
                count++;
            }
        }

        return count;
    }

    // One step of a maximum matching of persons to the minters of their votes (an augmenting path): pairs the person with
    // a minter not yet taken, or one whose holder can move to another of its minters.
    private static bool TryPair(int person, string[][] minters, Dictionary<string, int> holders, HashSet<string> visited)
    {
        foreach (var minter in minters[person])
        {
            if (visited.Add(minter) && (!holders.TryGetValue(minter, out var holder) || TryPair(holder, minters, holders, visited)))
            {
                holders[minter] = person;
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 4083, Level = LogLevel.Warning, Message = "Approval {ApprovalId} of tenant {Tenant} revoked by {Actor} after its warrant was used: the action was carried out; only the decision tokens issued under it are void")]
    private static partial void LogRevokedAfterUse(ILogger logger, string tenant, string approvalId, string actor);
}
