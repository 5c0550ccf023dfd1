using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// A warrant is good only for the approval it names: an approved request of the tenant, for the same agent, tool, intent
/// and policy, and no longer than that approval's warrant TTL from the moment it was approved. Even a well-signed warrant
/// (a leaked warrant key) for an approval never opened, not approved, or another's, is refused, and refusing it consumes
/// nothing.
/// </summary>
public abstract partial class ApprovalServiceTests
{
    [Fact]
    public async Task RedeemWarrantAsync_WellSignedWarrantForAnApprovalNeverOpened_IsRefusedUnknownApproval()
    {
        // A fresh approval id each time: without the approval read, each would be a first use.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var forged = Signed(ClaimsOf(ApprovalIds.New()));

            var checkedFirst = await Service.CheckBeforeRedeemingAsync(Presented(Tenant, Agent, Digest, forged));
            var redeemed = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, forged));

            Assert.Equal(WarrantReasons.UnknownApproval, checkedFirst.Reason);
            Assert.Equal(WarrantReasons.UnknownApproval, redeemed.Reason);
            Assert.False(redeemed.Redeemed);
        }
    }

    [Fact]
    public async Task RedeemWarrantAsync_WarrantNamingAnotherAgentsApproval_IsRefusedUnknownApproval()
    {
        var others = await ApprovedForAsync("agent-2");

        var transplanted = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, Signed(ClaimsOf(others.Id))));

        Assert.Equal(WarrantReasons.UnknownApproval, transplanted.Reason);
    }

    [Fact]
    public async Task RedeemWarrantAsync_WarrantNamingAnApprovalOfAnotherIntentToolOrPolicy_IsRefusedAndConsumesNothing()
    {
        var approval = await ApprovedForAsync(Agent);
        var genuine = (await Service.PollAsync(Tenant, Agent, approval.Id))!.Warrant!;

        var otherIntent = Signed(ClaimsOf(approval.Id) with { Act = "another-digest" });
        var otherTool = Signed(ClaimsOf(approval.Id) with { Tool = "payments.refund" });
        var otherPolicy = Signed(ClaimsOf(approval.Id) with { Pol = "another-policy" });

        Assert.Equal(WarrantReasons.UnknownApproval, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, "another-digest", otherIntent))).Reason);
        Assert.Equal(WarrantReasons.UnknownApproval, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, otherTool))).Reason);
        Assert.Equal(WarrantReasons.UnknownApproval, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, otherPolicy, "another-policy"))).Reason);
        Assert.True((await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, genuine))).Redeemed);
    }

    [Fact]
    public async Task RedeemWarrantAsync_WarrantNamingAPendingOrDeniedApproval_IsRefusedUnknownApproval()
    {
        var pending = await CreateAsync(Service);
        var denied = await CreateAsync(Service);
        await Service.DenyAsync(Tenant, denied.Id, Voter("carol"));

        Assert.Equal(WarrantReasons.UnknownApproval, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, Signed(ClaimsOf(pending.Id))))).Reason);
        Assert.Equal(WarrantReasons.UnknownApproval, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, Signed(ClaimsOf(denied.Id))))).Reason);
    }

    [Fact]
    public async Task RedeemWarrantAsync_WarrantOutlivingItsApprovalsWarrantTtl_IsRefusedLifetimeExceededAndConsumesNothing()
    {
        var approval = await ApprovedForAsync(Agent);
        var genuine = (await Service.PollAsync(Tenant, Agent, approval.Id))!.Warrant!;
        var approvedAt = Time.GetUtcNow().ToUnixTimeSeconds();

        // The gate's warrant TTL is 5 minutes: a day from the approval (within Gateway:Approvals:MaxWarrantTtl), a
        // lifetime of ten years, and 5 minutes counted from an hour after the approval are all longer.
        var aDay = Signed(ClaimsOf(approval.Id) with { Iat = approvedAt, Exp = approvedAt + (long)TimeSpan.FromDays(1).TotalSeconds });
        var tenYears = Signed(ClaimsOf(approval.Id) with { Iat = approvedAt, Exp = approvedAt + (long)TimeSpan.FromDays(3650).TotalSeconds });
        var shifted = Signed(ClaimsOf(approval.Id) with { Iat = approvedAt + 3600, Exp = approvedAt + 3600 + 300 });

        Assert.Equal(WarrantReasons.LifetimeExceeded, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, aDay))).Reason);
        Assert.Equal(WarrantReasons.LifetimeExceeded, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, tenYears))).Reason);
        Assert.Equal(WarrantReasons.LifetimeExceeded, (await Service.CheckWarrantAsync(Presented(Tenant, Agent, Digest, tenYears))).Reason);
        Assert.Equal(WarrantReasons.LifetimeExceeded, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, shifted))).Reason);
        Assert.True((await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, genuine))).Redeemed);
    }

    /// <summary>An approved request of <paramref name="agent"/> for the tool and digest of these tests.</summary>
    private async Task<ApprovalRequest> ApprovedForAsync(string agent)
    {
        var request = await CreateAsync(Service, agent: agent);
        await Service.ApproveAsync(Tenant, request.Id, Voter("bob"));
        return request;
    }

    /// <summary>The claims the gateway would sign now for approval <paramref name="approvalId"/> of these tests' agent and intent.</summary>
    private WarrantClaims ClaimsOf(string approvalId)
    {
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        return new WarrantClaims
        {
            Tid = Tenant, Aid = Agent, Tool = Tool, Act = Digest, Apr = approvalId, Pol = PolicyDigest, Tgn = 0, Agn = 0,
            Iat = now, Exp = now + 300,
        };
    }

    /// <summary>A warrant signed under the gateway's own warrant key (what a leaked warrant key could sign).</summary>
    private static string Signed(WarrantClaims claims) => new WarrantSigner(TestKeys.Keys).Issue(claims);
}
