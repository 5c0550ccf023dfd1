using Gateway.Store.Postgres;
using Npgsql;

namespace Gateway.Oversight.Incidents;

/// <summary>
/// Incidents and their webhook outbox in PostgreSQL (migration 0011). An incident and its outbox row are
/// inserted in one tenant-scoped transaction; <see cref="ClaimDueAsync"/> calls <c>incident_outbox_claim</c>,
/// which claims due rows of every tenant with <c>FOR UPDATE SKIP LOCKED</c> and leases them, so that
/// replicas share the outbox without sending one attempt twice, and a crashed attempt is claimed again. Each claim
/// counts <c>attempts</c>, so an outcome is recorded only by the attempt that holds the latest claim of a pending row.
/// </summary>
public sealed class PostgresIncidentStore : IIncidentStore
{
    private const string IncidentColumns = "i.tenant, i.id, i.workspace, i.agent, i.tool, i.intent_digest, i.finding_ids, i.explanation, i.opened_at";
    private readonly PostgresDatabase _database;

    public PostgresIncidentStore(PostgresDatabase database) => _database = database ?? throw new ArgumentNullException(nameof(database));

    /// <inheritdoc/>
    public async ValueTask AppendAsync(Incident incident, bool notify, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        await PostgresRecordCalls.InTransactionAsync(_database, incident.Tenant, async scope =>
        {
            await using (var insert = scope.Command(
                "INSERT INTO incidents (tenant, id, workspace, agent, tool, intent_digest, finding_ids, explanation, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                incident.Tenant,
                incident.Id,
                incident.Workspace,
                incident.Agent,
                incident.Tool,
                incident.IntentDigest,
                incident.FindingIds.ToArray(),
                incident.Explanation?.GetRawText(),
                incident.OpenedAt.ToUniversalTime()))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (notify)
            {
                await using var outbox = scope.Command(
                    "INSERT INTO incident_outbox (tenant, incident_id, next_attempt_at) VALUES ($1, $2, $3)",
                    incident.Tenant,
                    incident.Id,
                    incident.OpenedAt.ToUniversalTime());
                await outbox.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync<IReadOnlyList<Incident>>(_database, tenant, async scope =>
        {
            await using var select = scope.Command(
                $"SELECT {IncidentColumns}, o.state, o.attempts, o.next_attempt_at, o.delivered_at, o.last_error " +
                "FROM incidents i LEFT JOIN incident_outbox o ON o.tenant = i.tenant AND o.incident_id = i.id " +
                "WHERE i.tenant = $1 ORDER BY i.listed DESC LIMIT $2",
                tenant,
                limit);
            var incidents = new List<Incident>();
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var incident = ReadIncident(reader);
                if (!reader.IsDBNull(9))
                {
                    var state = reader.GetString(9);
                    incident = incident with
                    {
                        Delivery = new IncidentDelivery
                        {
                            State = state,
                            Attempts = reader.GetInt32(10),
                            NextAttemptAt = state == IncidentDelivery.Pending ? reader.GetFieldValue<DateTimeOffset>(11) : null,
                            DeliveredAt = reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
                            LastError = reader.IsDBNull(13) ? null : reader.GetString(13),
                        },
                    };
                }

                incidents.Add(incident);
            }

            incidents.Reverse();
            return incidents;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<IncidentOutboxEntry>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync<IReadOnlyList<IncidentOutboxEntry>>(_database, tenant: null, async scope =>
        {
            await using var claim = scope.Command(
                "SELECT tenant, id, workspace, agent, tool, intent_digest, finding_ids, explanation, opened_at, attempt FROM incident_outbox_claim($1, $2, $3)",
                now.ToUniversalTime(),
                leaseUntil.ToUniversalTime(),
                max);
            var claimed = new List<IncidentOutboxEntry>();
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claimed.Add(new IncidentOutboxEntry(ReadIncident(reader), reader.GetInt32(9)));
            }

            return claimed;
        }, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask RecordDeliveryAsync(string tenant, string incidentId, IncidentDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var update = scope.Command(
                "UPDATE incident_outbox SET state = $3, next_attempt_at = coalesce($4, next_attempt_at), delivered_at = $5, last_error = $6 " +
                "WHERE tenant = $1 AND incident_id = $2 AND attempts = $7 AND state = 'pending'",
                tenant,
                incidentId,
                delivery.State,
                delivery.NextAttemptAt?.ToUniversalTime(),
                delivery.DeliveredAt?.ToUniversalTime(),
                delivery.LastError,
                delivery.Attempts);
            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static Incident ReadIncident(NpgsqlDataReader reader)
    {
        return new Incident
        {
            Tenant = reader.GetString(0),
            Id = reader.GetString(1),
            Workspace = reader.IsDBNull(2) ? null : reader.GetString(2),
            Agent = reader.GetString(3),
            Tool = reader.GetString(4),
            IntentDigest = reader.GetString(5),
            FindingIds = reader.GetFieldValue<string[]>(6),
            Explanation = PostgresRecordCalls.ReadJson(reader, 7),
            OpenedAt = reader.GetFieldValue<DateTimeOffset>(8),
        };
    }
}
