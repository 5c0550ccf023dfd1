using Gateway.Store;

namespace Gateway.Oversight.Approvals;

/// <summary>The voting half of <see cref="ApprovalService"/>: approvals and denials by the approvers a request names, and revocations.</summary>
public sealed partial class ApprovalService
{
    /// <summary>
    /// Records <paramref name="voter"/>'s approval. Only a named approver of the request may approve;
    /// each person counts once and each token minter counts once (store sets, so concurrent approvals
    /// on different replicas count correctly): the request is approved when enough of the counted votes can each be
    /// paired with a person and a minter of their own (only the minters behind the votes still counted count).
    /// </summary>
    public ValueTask<ApprovalActionResult> ApproveAsync(string tenant, string id, ApprovalVoter voter, CancellationToken cancellationToken = default) =>
        ApproveAsync(tenant, id, voter, (Func<string, CancellationToken, ValueTask<bool>>?)null, cancellationToken);

    /// <summary>
    /// The same, counting at settle time only the votes of persons <paramref name="stillApprover"/> still accepts (the
    /// tenant's register now: a vote cast by an approver since removed from it no longer counts); null counts every vote
    /// of a person the request names.
    /// </summary>
    public ValueTask<ApprovalActionResult> ApproveAsync(string tenant, string id, ApprovalVoter voter, Func<string, bool>? stillApprover, CancellationToken cancellationToken = default) =>
        ApproveAsync(tenant, id, voter, stillApprover is null ? null : (person, _) => ValueTask.FromResult(stillApprover(person)), cancellationToken);

    /// <summary>
    /// The same, with a check that may read a store (<paramref name="stillApprover"/>: still in the register, and not
    /// suspended since the vote, say), asked once for each person behind a vote each time the votes are counted.
    /// </summary>
    public async ValueTask<ApprovalActionResult> ApproveAsync(
        string tenant, string id, ApprovalVoter voter, Func<string, CancellationToken, ValueTask<bool>>? stillApprover, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(voter);
        var (stored, current, refusal) = await PrepareActionAsync(tenant, id, voter.Person, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var now = _time.GetUtcNow();
        var tally = await _store.AddVoteAsync(tenant, stored!.Id, voter.Person, voter.IssuedBy, KeyLifetime(stored, now), cancellationToken);
        var accepted = await StillAcceptedAsync(stored, tally, stillApprover, cancellationToken);
        var count = CountedApprovals(stored, tally, accepted is null ? null : accepted.Contains);
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
    /// state store, kept until the last such token has expired). Only an approved request can be revoked; a pending one
    /// is denied instead.
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
        var decidedAt = current.DecidedAt ?? _time.GetUtcNow();
        var until = decidedAt + TimeSpan.FromSeconds(current.WarrantTtlSeconds) + TimeSpan.FromSeconds(300) + TimeSpan.FromMinutes(1);
        var lifetime = until - _time.GetUtcNow();
        if (lifetime > TimeSpan.Zero)
        {
            await _state.SetAsync(StoreKeys.ApprovalRevoked(tenant, id), actor, lifetime, cancellationToken);
        }

        OversightLog.ApprovalRevoked(_logger, tenant, id, actor);
        return ApprovalActionResult.Ok(current);
    }

    /// <summary>True while the mark <see cref="RevokeAsync"/> leaves on approval <paramref name="id"/> is kept: what polls, warrants and intents read.</summary>
    internal async Task<bool> IsRevokedAsync(string tenant, string id, CancellationToken cancellationToken) =>
        await _state.GetAsync(StoreKeys.ApprovalRevoked(tenant, id), cancellationToken) is not null;

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

    // The persons behind the tally's votes whom stillApprover still accepts now (null: every one counts).
    private static async ValueTask<HashSet<string>?> StillAcceptedAsync(
        ApprovalRequest request, ApprovalTally tally, Func<string, CancellationToken, ValueTask<bool>>? stillApprover, CancellationToken cancellationToken)
    {
        if (stillApprover is null)
        {
            return null;
        }

        var accepted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var person in tally.Persons.Concat(tally.Votes.Select(static v => v.Person)).Distinct(StringComparer.Ordinal))
        {
            if (request.Approvers.Contains(person, StringComparer.Ordinal) && await stillApprover(person, cancellationToken))
            {
                accepted.Add(person);
            }
        }

        return accepted;
    }

    // How many approvals the tally holds: the counted votes (of a person the request names whom stillApprover accepts)
    // that can each be paired off with a person and a minter of their own, so the minter of a vote no longer counted (an
    // approver since removed from the register) never makes up for the one minter behind the rest. Votes cast before they
    // were kept paired (an approval opened before an upgrade) have no known minter: while every voter still counts they
    // count as they did (distinct persons and minters), otherwise only the paired votes count (a legacy voter votes again).
    private static int CountedApprovals(ApprovalRequest request, ApprovalTally tally, Func<string, bool>? stillApprover)
    {
        bool Counts(string person) => request.Approvers.Contains(person, StringComparer.Ordinal) && (stillApprover is null || stillApprover(person));
        var paired = tally.Votes.Select(v => v.Person).ToHashSet(StringComparer.Ordinal);
        if (tally.Persons.Any(p => !paired.Contains(p)) && tally.Persons.All(Counts))
        {
            return Math.Min(tally.Persons.Count, tally.Issuers);
        }

        var minters = tally.Votes
            .Where(v => Counts(v.Person))
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
}
