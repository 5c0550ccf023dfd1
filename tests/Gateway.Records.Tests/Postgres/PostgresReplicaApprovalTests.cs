using Gateway.Oversight.Approvals;
using Gateway.Records.Tests.Infrastructure;

namespace Gateway.Records.Tests.Postgres;

/// <summary>Two gateway replicas (two ApprovalService instances on two data sources) sharing one PostgreSQL database.</summary>
public sealed class PostgresReplicaApprovalTests
{
    [Fact]
    public async Task ApproveAndRedeem_TwoReplicasConcurrently_ApprovedOnceAndTheWarrantIsUsedExactlyOnce()
    {
        var replicas = new PostgresReplicas();
        var first = TestOversight.Approvals(new PostgresApprovalStore(await replicas.NextAsync()));
        var second = TestOversight.Approvals(new PostgresApprovalStore(await replicas.NextAsync()));
        var tenant = Backends.NewTenant();
        var request = await first.CreateAsync(tenant, "agent-1", "payments.transfer", "sha256:intent", "sha256:policy", null, "gate-1", ["alice", "bob"], 2, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));

        // Each replica records one of the two required approvals at the same time: the request must end approved.
        var votes = await Task.WhenAll(
            first.ApproveAsync(tenant, request.Id, new ApprovalVoter("alice", "admin-1")).AsTask(),
            second.ApproveAsync(tenant, request.Id, new ApprovalVoter("bob", "admin-2")).AsTask());
        Assert.All(votes, v => Assert.True(v.Succeeded));
        var poll = await second.PollAsync(tenant, "agent-1", request.Id);
        Assert.Equal(ApprovalStatus.Approved, poll!.Status);
        Assert.NotNull(poll.Warrant);

        var presentation = new WarrantPresentation(tenant, "agent-1", "sha256:intent", "sha256:policy", poll.Warrant);
        var redemptions = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            (i % 2 == 0 ? first : second).RedeemWarrantAsync(presentation).AsTask()));

        Assert.Single(redemptions, r => r.Redeemed);
        Assert.All(redemptions.Where(r => !r.Redeemed), r => Assert.Equal(WarrantReasons.AlreadyUsed, r.Reason));
        Assert.Equal(WarrantReasons.AlreadyUsed, (await first.CheckWarrantAsync(presentation)).Reason);
    }
}
