using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// An approval's lifetimes are bounded where the gateway opens it, never refused mid-decision: a gate's
/// <c>warrant_ttl</c> above <c>Gateway:Approvals:MaxWarrantTtl</c> gives a warrant of that maximum (a shorter warrant only
/// tightens), and the one-hour window approvers have is at most <c>Gateway:Approvals:MaxRequestTtl</c>.
/// </summary>
public sealed class ApprovalLifetimeBoundsTests
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-7","amount":25}}""";

    [Fact]
    public async Task Decide_GateWarrantTtlAboveMaxWarrantTtl_OpensAnApprovalNot500()
    {
        await using var gw = await GovernedGateway.StartAsync(
            rewrite: bundle => bundle.Replace("warrant_ttl: 15m", "warrant_ttl: 2d", StringComparison.Ordinal),
            configure: builder => builder.Configuration["Gateway:Approvals:MaxWarrantTtl"] = "00:20:00");
        var alice = gw.Admin(await gw.IssueTokenAsync("alice", "approver"));

        var (approvalId, _) = await ApprovalCalls.ApprovedWarrantAsync(gw.Agent, alice, Refund);

        var poll = await ApprovalCalls.PollAsync(gw.Agent, approvalId);
        var warrantLife = poll.GetProperty("warrant_expires_at").GetDateTimeOffset() - DateTimeOffset.UtcNow;
        Assert.InRange(warrantLife, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(20));
    }

    [Fact]
    public async Task Decide_MaxRequestTtlBelowTheApprovalWindow_OpensAnApprovalEndingWithinIt()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration["Gateway:Approvals:MaxRequestTtl"] = "00:30:00");

        var approvalId = await ApprovalCalls.RequestApprovalAsync(gw.Agent, Refund);

        var poll = await ApprovalCalls.PollAsync(gw.Agent, approvalId);
        var requestLife = poll.GetProperty("expires_at").GetDateTimeOffset() - DateTimeOffset.UtcNow;
        Assert.InRange(requestLife, TimeSpan.FromMinutes(25), TimeSpan.FromMinutes(30));
    }
}
