using Gateway.Store;

namespace Gateway.Audit;

/// <summary>
/// A sink that admits requests in the same atomic step as it appends a group (<see cref="StoreAuditStore"/>: one script
/// run on Redis, one journal record in the embedded store), so that a request's decision record and its admission cost
/// one store round trip. A sink without it (file, PostgreSQL) has its journal admit first and append after: two waits.
/// </summary>
public interface IAdmittingAuditStore : IAuditStore
{
    /// <summary>
    /// <see cref="IAuditStore.TryAppendAsync"/> and, only when the lines are appended, each of
    /// <paramref name="admissions"/> in order, as <see cref="IAuditLogStore.TryAppendAdmittingAsync"/> does: not appended
    /// (another writer got there first) admits nothing; and <paramref name="settles"/>, the token budgets' settles of the
    /// group's outcomes, made with the append as well (not appended: settled nothing).
    /// </summary>
    ValueTask<AppendAdmission> TryAppendAdmittingAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default);
}
