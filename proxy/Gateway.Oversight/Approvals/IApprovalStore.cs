namespace Gateway.Oversight.Approvals;

/// <summary>
/// Where approval requests, their votes, their one outcome and the use of their warrants are kept.
/// Every operation that decides a race is atomic in the store itself: a vote counts once per person
/// and minter, the first outcome wins, and a warrant is used once, by a redemption or a revocation (the use says which). Three implementations:
/// <see cref="StateStoreApprovalStore"/> (Redis or the embedded store) and the PostgreSQL one.
/// </summary>
public interface IApprovalStore
{
    /// <summary>
    /// Stores a new request (the part that never changes, with the signed receipt of the decision that opened it when
    /// it has one: the receipt is never written apart; its state is the votes and the outcome kept here apart) and lists
    /// it for its tenant; false when the id is taken (nothing changes).
    /// </summary>
    ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>The request as it was created (pending, no approvals, its receipt if it was created with one), or null when unknown.</summary>
    ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default);

    /// <summary>The ids of the tenant's most recent <paramref name="window"/> requests, oldest first.</summary>
    ValueTask<IReadOnlyList<string>> ListRecentAsync(string tenant, int window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that <paramref name="voter"/> (its person, the minter of its token and the credential it votes with) approves.
    /// Returns the tally after the vote, which includes every vote recorded before this one returned.
    /// </summary>
    ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, ApprovalVoter voter, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>The distinct persons who approved so far.</summary>
    ValueTask<IReadOnlyList<string>> GetVotersAsync(string tenant, string id, CancellationToken cancellationToken = default);

    /// <summary>The request's outcome, or null while none was written.</summary>
    ValueTask<ApprovalOutcomeDocument?> GetOutcomeAsync(string tenant, string id, CancellationToken cancellationToken = default);

    /// <summary>Writes the outcome unless one exists; true for the one writer that won.</summary>
    ValueTask<bool> TrySettleAsync(string tenant, string id, ApprovalOutcomeDocument outcome, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>Marks the request's warrant used unless it already is; true for the one caller that used it.</summary>
    ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>Whether the request's warrant was used.</summary>
    ValueTask<bool> IsWarrantUsedAsync(string tenant, string approvalId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the request's warrant's use for a revocation unless it already is used, the use itself saying so (one write):
    /// true for the one caller that used it. A store that keeps no taker takes a plain use.
    /// </summary>
    ValueTask<bool> TryVoidWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        TryUseWarrantAsync(tenant, approvalId, lifetime, cancellationToken);

    /// <summary>Who took the request's warrant's use (one read): nobody, a redemption, or a revocation (<see cref="TryVoidWarrantAsync"/>).</summary>
    async ValueTask<WarrantUse> GetWarrantUseAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) =>
        await IsWarrantUsedAsync(tenant, approvalId, cancellationToken) ? WarrantUse.Redeemed : WarrantUse.None;
}
