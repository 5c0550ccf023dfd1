using Gateway.Oversight.Approvals;
using Gateway.Store;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>Each vote is kept with the credential it was cast with: once that credential is revoked the vote no longer counts.</summary>
public abstract partial class ApprovalServiceTests
{
    [Fact]
    public async Task ApproveAsync_VoteWhoseCredentialWasRevokedSince_NoLongerCounts()
    {
        var request = await CreateAsync(Service, required: 2);
        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("alice", "minter-of-alice") { Credential = "token-a" });

        Voters.Revoke("token-a");
        var second = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "minter-of-bob") { Credential = "token-b" });
        var again = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("alice", "minter-of-alice") { Credential = "token-a2" });

        Assert.Equal(ApprovalStatus.Pending, second.Request!.Status);
        Assert.Equal(ApprovalStatus.Approved, again.Request!.Status);
    }

    [Fact]
    public async Task ApproveAsync_VoteKeptBeforeCredentialsWere_CountsAsItDid()
    {
        var request = await CreateAsync(Service, required: 2);
        // As the version before kept alice's vote: its person and minter paired, no credential.
        await Store.SetAddAsync(StoreKeys.ApprovalVotes(Tenant, request.Id + ":pairs"), "5:alice" + "operator-a", TimeSpan.FromHours(1));
        await Store.SetAddAsync(StoreKeys.ApprovalVotes(Tenant, request.Id), "alice", TimeSpan.FromHours(1));
        await Store.SetAddAsync(StoreKeys.ApprovalVotes(Tenant, request.Id + ":issuers"), "operator-a", TimeSpan.FromHours(1));

        Voters.Revoke("token-b");
        var revoked = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "tenant-admin") { Credential = "token-b" });
        var second = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "tenant-admin") { Credential = "token-b2" });

        Assert.Equal(ApprovalStatus.Pending, revoked.Request!.Status);
        Assert.Equal(ApprovalStatus.Approved, second.Request!.Status);
    }

    [Fact]
    public async Task ApproveAsync_VoteOfAnApproverSuspendedSince_NoLongerCounts()
    {
        var request = await CreateAsync(Service, required: 2);
        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("alice", "minter-of-alice"));

        Voters.Suspend("alice");
        var second = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "minter-of-bob"));

        Assert.Equal(ApprovalStatus.Pending, second.Request!.Status);
    }
}
