using Gateway.Oversight.Approvals;
using Gateway.Store;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>Only the minters behind the votes still counted count: each vote is kept as its person and its token's minter.</summary>
public abstract partial class ApprovalServiceTests
{
    [Fact]
    public async Task ApproveAsync_RemovedApproversMinterDoesNotCountForTheRemainingVoters()
    {
        var request = await CreateAsync(Service, required: 2);
        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("alice", "operator-a"));

        Voters.Remove("alice");
        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "tenant-admin"));
        var third = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("carol", "tenant-admin"));

        Assert.Equal(ApprovalStatus.Pending, third.Request!.Status);
    }

    [Fact]
    public async Task ApproveAsync_OnePersonVotingWithTokensOfThreeMinters_LendsTheOthersNoMinter()
    {
        var request = await CreateAsync(Service, required: 3);
        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("alice", "admin-a"));
        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("alice", "admin-b"));
        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("alice", "admin-c"));

        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "admin-a"));
        var pending = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("carol", "admin-a"));
        var approved = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("carol", "admin-b"));

        // Persons 3 and minters 3, but bob's and carol's first votes share admin-a: only carol's second vote pairs all three off.
        Assert.Equal(ApprovalStatus.Pending, pending.Request!.Status);
        Assert.Equal(ApprovalStatus.Approved, approved.Request!.Status);
    }

    [Fact]
    public async Task ApproveAsync_VoteCastBeforeVotesWerePaired_CountsWhileItsVoterStillDoes()
    {
        var request = await CreateAsync(Service, required: 2);
        await CastUnpairedVoteAsync(request.Id, "alice", "operator-a");

        var second = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "tenant-admin"));

        Assert.Equal(ApprovalStatus.Approved, second.Request!.Status);
    }

    [Fact]
    public async Task ApproveAsync_VoteCastBeforeVotesWerePairedByARemovedApprover_LendsTheOthersNoMinter()
    {
        var request = await CreateAsync(Service, required: 2);
        await CastUnpairedVoteAsync(request.Id, "alice", "operator-a");

        Voters.Remove("alice");
        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "tenant-admin"));
        var third = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("carol", "tenant-admin"));
        var fourth = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("carol", "other-admin"));

        Assert.Equal(ApprovalStatus.Pending, third.Request!.Status);
        Assert.Equal(ApprovalStatus.Approved, fourth.Request!.Status);
    }

    // A vote as a replica without paired votes wrote it: the person and the minter each in its own set.
    private async Task CastUnpairedVoteAsync(string id, string person, string issuedBy)
    {
        await Store.SetAddAsync(StoreKeys.ApprovalVotes(Tenant, id), person, TimeSpan.FromHours(1));
        await Store.SetAddAsync(StoreKeys.ApprovalVotes(Tenant, id + ":issuers"), issuedBy, TimeSpan.FromHours(1));
    }
}
