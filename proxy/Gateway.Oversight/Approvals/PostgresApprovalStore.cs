using Gateway.Store.Postgres;
using Npgsql;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Approvals in PostgreSQL (migrations 0010 and 0033: the request id, the redacted arguments and the receipt, inserted with the request;
/// 0039: the credential each vote was cast with), every call a transaction scoped to the request's tenant.
/// A vote locks its request's row first, so concurrent votes on different replicas are counted one after
/// the other; the outcome is a conditional <c>UPDATE … WHERE outcome_status IS NULL</c> (first writer wins);
/// a warrant's single use is the primary key of <c>warrant_uses</c>, whose <c>voided</c> says a revocation took it (0040). Lifetimes are not applied here:
/// rows stay until retention removes them.
/// </summary>
public sealed class PostgresApprovalStore : IApprovalStore
{
    private const string Columns =
        "id, tenant, agent, tool, intent_digest, policy_digest, gate_id, approvers, approvals_required, created_at, expires_at, warrant_ttl_seconds, explanation, request_id, arguments, arguments_truncated";

    private readonly PostgresDatabase _database;

    public PostgresApprovalStore(PostgresDatabase database) => _database = database ?? throw new ArgumentNullException(nameof(database));

    /// <inheritdoc/>
    public ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostgresRecordCalls.InTransactionAsync(_database, request.Tenant, async scope =>
        {
            await using var insert = scope.Command(
                $"INSERT INTO approvals ({Columns}, receipt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT DO NOTHING",
                request.Id,
                request.Tenant,
                request.Agent,
                request.Tool,
                request.IntentDigest,
                request.PolicyDigest,
                request.GateId,
                request.Approvers.ToArray(),
                request.ApprovalsRequired,
                request.CreatedAt.ToUniversalTime(),
                request.ExpiresAt.ToUniversalTime(),
                request.WarrantTtlSeconds,
                request.Explanation?.GetRawText(),
                request.RequestId,
                request.Arguments,
                request.ArgumentsTruncated,
                request.Receipt);
            return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var select = scope.Command($"SELECT {Columns}, receipt FROM approvals WHERE tenant = $1 AND id = $2", tenant, id);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRequest(reader) : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<string>> ListRecentAsync(string tenant, int window, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync<IReadOnlyList<string>>(_database, tenant, async scope =>
        {
            await using var select = scope.Command(
                "SELECT id FROM (SELECT id, listed FROM approvals WHERE tenant = $1 ORDER BY listed DESC LIMIT $2) recent ORDER BY listed",
                tenant,
                window);
            return await PostgresRecordCalls.ReadStringsAsync(select, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, ApprovalVoter voter, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(voter);
        return PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using (var lockRow = scope.Command("SELECT 1 FROM approvals WHERE tenant = $1 AND id = $2 FOR UPDATE", tenant, id))
            {
                if (await lockRow.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                {
                    return new ApprovalTally([], 0);
                }
            }

            // A vote with no credential is kept as the empty one, as a replica not yet upgraded keeps every vote (migration 0039).
            await using (var insert = scope.Command(
                "INSERT INTO approval_votes (tenant, approval_id, person, issued_by, credential) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                tenant,
                id,
                voter.Person,
                voter.IssuedBy,
                voter.Credential ?? string.Empty))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Every (person, minter, credential) vote, so that the service counts only the minters behind the votes it still counts.
            await using var tally = scope.Command(
                "SELECT person, issued_by, credential FROM approval_votes WHERE tenant = $1 AND approval_id = $2 ORDER BY person, issued_by, credential",
                tenant,
                id);
            var votes = new List<ApprovalVoter>();
            await using (var reader = await tally.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var credential = reader.GetString(2);
                    votes.Add(new ApprovalVoter(reader.GetString(0), reader.GetString(1)) { Credential = credential.Length == 0 ? null : credential });
                }
            }

            var persons = votes.Select(v => v.Person).Distinct(StringComparer.Ordinal).ToArray();
            return new ApprovalTally(persons, votes.Select(v => v.IssuedBy).Distinct(StringComparer.Ordinal).Count()) { Votes = votes };
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<string>> GetVotersAsync(string tenant, string id, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync<IReadOnlyList<string>>(_database, tenant, async scope =>
        {
            await using var select = scope.Command(
                "SELECT DISTINCT person FROM approval_votes WHERE tenant = $1 AND approval_id = $2 ORDER BY person",
                tenant,
                id);
            return await PostgresRecordCalls.ReadStringsAsync(select, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<ApprovalOutcomeDocument?> GetOutcomeAsync(string tenant, string id, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var select = scope.Command(
                "SELECT outcome_status, outcome_at, outcome_by FROM approvals WHERE tenant = $1 AND id = $2 AND outcome_status IS NOT NULL",
                tenant,
                id);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return new ApprovalOutcomeDocument
            {
                Status = reader.GetString(0),
                At = reader.GetFieldValue<DateTimeOffset>(1),
                By = reader.IsDBNull(2) ? null : reader.GetString(2),
            };
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> TrySettleAsync(string tenant, string id, ApprovalOutcomeDocument outcome, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var update = scope.Command(
                "UPDATE approvals SET outcome_status = $3, outcome_at = $4, outcome_by = $5 WHERE tenant = $1 AND id = $2 AND outcome_status IS NULL",
                tenant,
                id,
                outcome.Status,
                outcome.At.ToUniversalTime(),
                outcome.By);
            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var insert = scope.Command(
                "INSERT INTO warrant_uses (tenant, approval_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                tenant,
                approvalId);
            return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> IsWarrantUsedAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var select = scope.Command("SELECT 1 FROM warrant_uses WHERE tenant = $1 AND approval_id = $2", tenant, approvalId);
            return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> TryVoidWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var insert = scope.Command(
                "INSERT INTO warrant_uses (tenant, approval_id, voided) VALUES ($1, $2, true) ON CONFLICT DO NOTHING",
                tenant,
                approvalId);
            return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<WarrantUse> GetWarrantUseAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var select = scope.Command("SELECT voided FROM warrant_uses WHERE tenant = $1 AND approval_id = $2", tenant, approvalId);
            return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) switch
            {
                true => WarrantUse.Voided,
                false => WarrantUse.Redeemed,
                _ => WarrantUse.None,
            };
        }, cancellationToken);

    private static ApprovalRequest ReadRequest(NpgsqlDataReader reader)
    {
        return new ApprovalRequest
        {
            Id = reader.GetString(0),
            Tenant = reader.GetString(1),
            Agent = reader.GetString(2),
            Tool = reader.GetString(3),
            IntentDigest = reader.GetString(4),
            PolicyDigest = reader.GetString(5),
            GateId = reader.IsDBNull(6) ? null : reader.GetString(6),
            Approvers = reader.GetFieldValue<string[]>(7),
            ApprovalsRequired = reader.GetInt32(8),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(9),
            ExpiresAt = reader.GetFieldValue<DateTimeOffset>(10),
            WarrantTtlSeconds = reader.GetInt64(11),
            Explanation = PostgresRecordCalls.ReadJson(reader, 12),
            RequestId = reader.IsDBNull(13) ? null : reader.GetString(13),
            Arguments = reader.IsDBNull(14) ? null : reader.GetString(14),
            ArgumentsTruncated = reader.GetBoolean(15),
            Receipt = reader.IsDBNull(16) ? null : reader.GetString(16),
            Status = ApprovalStatus.Pending,
            Approvals = [],
        };
    }
}
