using Gateway.Oversight.Hosting;
using Gateway.Oversight.Options;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Records.Tests.Postgres;

/// <summary>Records retention on a real PostgreSQL (migration 0015): only what can never be needed again goes, in every tenant.</summary>
public sealed class PostgresRecordsRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Old = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Recent = new(2026, 5, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunOnceAsync_OldRecords_RemovesOnlyWhatCanNeverBeNeededAgainInEveryTenant()
    {
        var (database, _) = await Backends.PostgresAsync();
        string[] tenants = [Backends.NewTenant(), Backends.NewTenant()];
        foreach (var tenant in tenants)
        {
            await SeedAsync(database, tenant);
        }

        var retired = await Job(database, TimeSpan.FromDays(30)).RunOnceAsync(CancellationToken.None);

        Assert.Equal(new RecordsRetired(Approvals: 4, WarrantUses: 2, Notifications: 2), retired);
        foreach (var tenant in tenants)
        {
            Assert.Equal(["long-ttl", "pending", "recent"], await IdsAsync(database, "SELECT id FROM approvals WHERE tenant = $1 ORDER BY id", tenant));
            Assert.Equal(["recent"], await IdsAsync(database, "SELECT approval_id FROM approval_votes WHERE tenant = $1 ORDER BY 1", tenant));
            Assert.Equal(["long-ttl", "recent"], await IdsAsync(database, "SELECT approval_id FROM warrant_uses WHERE tenant = $1 ORDER BY 1", tenant));
            Assert.Equal(["delivered-old", "delivered-recent", "failed-old", "pending"], await IdsAsync(database, "SELECT id FROM incidents WHERE tenant = $1 ORDER BY id", tenant));
            Assert.Equal(["delivered-recent", "failed-old", "pending"], await IdsAsync(database, "SELECT incident_id FROM incident_outbox WHERE tenant = $1 ORDER BY 1", tenant));
        }

        Assert.Equal(new RecordsRetired(0, 0, 0), await Job(database, TimeSpan.FromDays(30)).RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunOnceAsync_RetentionOff_RemovesNothing()
    {
        var (database, _) = await Backends.PostgresAsync();
        var tenant = Backends.NewTenant();
        await SeedAsync(database, tenant);

        Assert.Equal(new RecordsRetired(0, 0, 0), await Job(database, maxAge: null).RunOnceAsync(CancellationToken.None));
        Assert.Equal(5, (await IdsAsync(database, "SELECT id FROM approvals WHERE tenant = $1", tenant)).Count);
        Assert.Equal(4, (await IdsAsync(database, "SELECT incident_id FROM incident_outbox WHERE tenant = $1", tenant)).Count);
    }

    private static RecordsRetentionJob Job(PostgresDatabase database, TimeSpan? maxAge) => new(
        database,
        MsOptions.Create(new OversightOptions { Records = new RecordsOptions { Retention = new RecordsRetentionOptions { MaxAge = maxAge } } }),
        new ManualTimeProvider(Now),
        NullLogger<RecordsRetentionJob>.Instance);

    // As the schema owner (the application role cannot write these timestamps back in time or read across tenants).
    private static async Task SeedAsync(PostgresDatabase database, string tenant)
    {
        await using var connection = await database.OpenOwnerConnectionAsync();
        await ApprovalAsync(connection, tenant, "old-decided", Old, TimeSpan.FromHours(1), decidedAt: Old, votedAndUsed: true);
        await ApprovalAsync(connection, tenant, "old-expired", Old, TimeSpan.FromMinutes(10), decidedAt: null, votedAndUsed: false);
        await ApprovalAsync(connection, tenant, "long-ttl", Old, TimeSpan.FromDays(200), decidedAt: Old, votedAndUsed: false);
        await ApprovalAsync(connection, tenant, "recent", Recent, TimeSpan.FromHours(1), decidedAt: Recent, votedAndUsed: true);
        await ApprovalAsync(connection, tenant, "pending", Now.AddDays(30), TimeSpan.FromHours(1), decidedAt: null, votedAndUsed: false);
        await ExecuteAsync(connection, "INSERT INTO warrant_uses (tenant, approval_id, used_at) VALUES ($1, 'long-ttl', $2)", tenant, Old);
        await IncidentAsync(connection, tenant, "delivered-old", "delivered", Old);
        await IncidentAsync(connection, tenant, "delivered-recent", "delivered", Recent);
        await IncidentAsync(connection, tenant, "failed-old", "failed", null);
        await IncidentAsync(connection, tenant, "pending", "pending", null);
    }

    private static async Task ApprovalAsync(NpgsqlConnection connection, string tenant, string id, DateTimeOffset expiresAt, TimeSpan warrantTtl, DateTimeOffset? decidedAt, bool votedAndUsed)
    {
        await ExecuteAsync(
            connection,
            """
            INSERT INTO approvals (tenant, id, agent, tool, intent_digest, policy_digest, approvers, approvals_required, created_at, expires_at, warrant_ttl_seconds, outcome_status, outcome_at, outcome_by)
            VALUES ($1, $2, 'agent-1', 'crm.read', 'i', 'p', ARRAY['alice'], 1, $3, $4, $5, $6, $7, $8)
            """,
            tenant, id, expiresAt.AddHours(-1), expiresAt, (long)warrantTtl.TotalSeconds,
            decidedAt is null ? null : "approved", decidedAt, decidedAt is null ? null : "alice");
        if (votedAndUsed)
        {
            await ExecuteAsync(connection, "INSERT INTO approval_votes (tenant, approval_id, person, issued_by, voted_at) VALUES ($1, $2, 'alice', 'admin', $3)", tenant, id, decidedAt);
            await ExecuteAsync(connection, "INSERT INTO warrant_uses (tenant, approval_id, used_at) VALUES ($1, $2, $3)", tenant, id, decidedAt);
        }
    }

    private static async Task IncidentAsync(NpgsqlConnection connection, string tenant, string id, string state, DateTimeOffset? deliveredAt)
    {
        await ExecuteAsync(connection, "INSERT INTO incidents (tenant, id, agent, tool, intent_digest, finding_ids, opened_at) VALUES ($1, $2, 'agent-1', 'crm.read', 'i', ARRAY['f-1'], $3)", tenant, id, Old);
        await ExecuteAsync(connection, "INSERT INTO incident_outbox (tenant, incident_id, state, attempts, next_attempt_at, delivered_at) VALUES ($1, $2, $3, 1, $4, $5)", tenant, id, state, Old, deliveredAt);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object?[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> IdsAsync(PostgresDatabase database, string sql, string tenant)
    {
        await using var connection = await database.OpenOwnerConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
