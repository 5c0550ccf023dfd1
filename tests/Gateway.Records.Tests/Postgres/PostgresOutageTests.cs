using Gateway.Oversight.Credentials;
using Gateway.Connectors.Vault;
using Gateway.Oversight.Approvals;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Incidents;
using Gateway.Testing;

namespace Gateway.Records.Tests.Postgres;

/// <summary>PostgreSQL stopped (its own server, so no other test is affected): every record operation refuses, then recovers with the same instances.</summary>
public sealed class PostgresOutageTests
{
    [Fact]
    public async Task RecordOperations_PostgresStopped_RefuseAsUnavailableAndRecoverWithoutRestart()
    {
        await using var server = await PostgresServer.CreateAsync();
        var (database, _) = await Backends.PostgresAsync(server);
        var approvals = TestOversight.Approvals(new PostgresApprovalStore(database));
        var incidents = new PostgresIncidentStore(database);
        var credentials = new PostgresCredentialStore(database);
        var tokens = new PostgresAdminTokenStore(database);
        var tenant = Backends.NewTenant();
        var request = await approvals.CreateAsync(tenant, "agent-1", "tool", "sha256:intent", "sha256:policy", null, null, ["alice"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        await approvals.ApproveAsync(tenant, request.Id, new ApprovalVoter("alice", "admin-1"));
        var warrant = (await approvals.PollAsync(tenant, "agent-1", request.Id))!.Warrant!;
        var presentation = new WarrantPresentation(tenant, "agent-1", "sha256:intent", "sha256:policy", warrant);

        await server.StopAsync();

        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => approvals.RedeemWarrantAsync(presentation).AsTask());
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => approvals.CreateAsync(tenant, "agent-1", "tool", "d", "p", null, null, ["alice"], 1, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)).AsTask());
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => approvals.ApproveAsync(tenant, request.Id, new ApprovalVoter("alice", "admin-1")).AsTask());
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => incidents.AppendAsync(TestIncidents.New(tenant), notify: true).AsTask());
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => incidents.ClaimDueAsync(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(1), 10).AsTask());
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => credentials.GetAsync(tenant, "stripe").AsTask());
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => tokens.GetAsync(new string('a', 64)).AsTask());

        await server.StartAsync();

        // The refused redemption did not consume the warrant: it is still good, once.
        Assert.True((await approvals.RedeemWarrantAsync(presentation)).Redeemed);
        Assert.False((await approvals.RedeemWarrantAsync(presentation)).Redeemed);
        await incidents.AppendAsync(TestIncidents.New(tenant), notify: true);
        Assert.Single(await incidents.ListAsync(tenant, 10));
        Assert.True(await credentials.ReplaceAsync(tenant, null, new CredentialRecord { Name = "stripe", Version = 1, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow, Envelope = "c" }));
        Assert.NotNull(await credentials.GetAsync(tenant, "stripe"));
    }
}
