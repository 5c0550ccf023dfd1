using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>A warrant lifts the obligation its approval was given for, and no other the retry meets now.</summary>
public abstract partial class ApprovalServiceTests
{
    private const string RuleOneExplanation = """{"rule_triggers":[{"rule":"r1","reason_code":"review","effect":"require_approval"}]}""";

    [Fact]
    public async Task RedeemWarrantAsync_RetryMeetsAnotherRulesObligation_IsRefusedAndNotConsumed()
    {
        var request = await Service.CreateAsync(Tenant, Agent, Tool, Digest, PolicyDigest, RuleOneExplanation, null, ["alice", "bob"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5));
        await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));
        var warrant = (await Service.PollAsync(Tenant, Agent, request.Id))!.Warrant!;

        var otherPeople = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant) with { Obligation = Needs(["sec-team"], "r2") });
        var otherRule = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant) with { Obligation = Needs(["alice", "bob"], "r2") });
        var same = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant) with { Obligation = Needs(["bob", "alice"], "r1") });

        Assert.Equal(WarrantReasons.ObligationChanged, otherPeople.Reason);
        Assert.Equal(WarrantReasons.ObligationChanged, otherRule.Reason);
        Assert.True(same.Redeemed);
    }

    [Fact]
    public async Task FindOpenForIntentAsync_ForAnotherObligation_FindsNoneSoANewApprovalOpens()
    {
        var request = await Service.CreateAsync(Tenant, Agent, Tool, Digest, PolicyDigest, RuleOneExplanation, null, ["alice", "bob"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5));
        await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));

        Assert.Equal(request.Id, (await Service.FindOpenForIntentAsync(Tenant, Agent, Digest, PolicyDigest, Needs(["alice", "bob"], "r1")))?.Id);
        Assert.Null(await Service.FindOpenForIntentAsync(Tenant, Agent, Digest, PolicyDigest, Needs(["sec-team"], "r2")));
    }

    private static ApprovalObligation Needs(string[] approvers, string rule) => new() { Approvers = approvers, ApprovalsRequired = 1, Reasons = [rule] };
}
