using Gateway.Oversight.Credentials;
using Gateway.Connectors.Vault;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store.Postgres;
using Npgsql;

namespace Gateway.Records.Tests.Postgres;

/// <summary>Row-level security on every record table: a query that forgets its WHERE still sees only the session tenant's rows.</summary>
public sealed class PostgresRecordIsolationTests
{
    private static readonly string[] TenantTables = ["approvals", "approval_votes", "warrant_uses", "incidents", "incident_outbox", "credentials"];

    [Fact]
    public async Task UnscopedSelect_InATenantTransaction_SeesOnlyThatTenantsApprovalsIncidentsAndCredentials()
    {
        var (database, _) = await Backends.PostgresAsync();
        foreach (var tenant in new[] { "acme", "globex" })
        {
            await WriteEveryKindAsync(database, tenant);
        }

        await using var acme = await database.OpenTenantAsync("acme");
        foreach (var table in TenantTables)
        {
            await using var everything = acme.CreateCommand($"SELECT tenant FROM {table}");
            var tenants = new List<string>();
            await using (var reader = await everything.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tenants.Add(reader.GetString(0));
                }
            }

            Assert.True(tenants.Count > 0, table);
            Assert.All(tenants, t => Assert.Equal("acme", t));
        }
    }

    [Fact]
    public async Task UnscopedSelect_WithNoTenant_SeesNoRecordRows()
    {
        var (database, _) = await Backends.PostgresAsync();
        await WriteEveryKindAsync(database, "acme");

        await using var none = await database.OpenAsync();
        foreach (var table in TenantTables)
        {
            await using var count = none.CreateCommand($"SELECT count(*) FROM {table}");
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }
    }

    [Fact]
    public async Task InsertForAnotherTenant_IsRefusedByThePolicy()
    {
        var (database, _) = await Backends.PostgresAsync();
        await using var scope = await database.OpenTenantAsync("acme");
        await using var insert = scope.CreateCommand(
            "INSERT INTO credentials (tenant, name, version, created_at, updated_at, envelope) VALUES ('globex', 'stolen', 1, now(), now(), 'x')");

        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task ApplicationRole_CannotRewriteAnApprovalOrItsVotes()
    {
        var (database, _) = await Backends.PostgresAsync();
        await WriteEveryKindAsync(database, "acme");
        await using var scope = await database.OpenTenantAsync("acme");
        await using var rewrite = scope.CreateCommand("UPDATE approvals SET approvers = ARRAY['mallory']");

        var error = await Assert.ThrowsAsync<PostgresException>(() => rewrite.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    private static async Task WriteEveryKindAsync(PostgresDatabase database, string tenant)
    {
        var approvals = TestOversight.Approvals(new PostgresApprovalStore(database));
        var request = await approvals.CreateAsync(tenant, "agent-1", "tool", "sha256:intent", "sha256:policy", null, null, ["alice"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        await approvals.ApproveAsync(tenant, request.Id, new ApprovalVoter("alice", "admin-1"));
        var poll = await approvals.PollAsync(tenant, "agent-1", request.Id);
        Assert.True((await approvals.RedeemWarrantAsync(new WarrantPresentation(tenant, "agent-1", "sha256:intent", "sha256:policy", poll!.Warrant!))).Redeemed);

        await new PostgresIncidentStore(database).AppendAsync(
            TestIncidents.New(tenant),
            notify: true);
        await new PostgresCredentialStore(database).ReplaceAsync(tenant, null, new CredentialRecord { Name = "stripe", Version = 1, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow, Envelope = "ciphertext" });
    }
}
