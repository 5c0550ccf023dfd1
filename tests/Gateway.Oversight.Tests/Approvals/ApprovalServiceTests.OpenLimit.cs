using Gateway.Oversight.Approvals;
using Gateway.Oversight.Options;
using Gateway.Oversight.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// One registered agent holds at most <c>Gateway:Approvals:MaxOpenPerAgent</c> approvals open (its delegated children's
/// counted with its own; an interactive client's, acting for a person, per person), and no number of newer requests hides
/// another agent's older one still pending.
/// </summary>
public abstract partial class ApprovalServiceTests
{
    [Fact]
    public async Task OpenAsync_AgentAtItsOpenLimit_IsRefused()
    {
        var service = Limited(maxOpen: 3, listWindow: 500);
        var first = await OpenForAsync(service, "agent-1", "open-0");
        await OpenForAsync(service, "agent-1", "open-1");
        await OpenForAsync(service, "agent-1", "open-2");

        var refused = await Assert.ThrowsAsync<ApprovalOpenLimitException>(() => OpenForAsync(service, "agent-1", "open-3"));
        var childRefused = await Assert.ThrowsAsync<ApprovalOpenLimitException>(() => OpenForAsync(service, "child-1", "open-4", root: "agent-1"));
        var another = await OpenForAsync(service, "agent-2", "open-5");
        var listed = await service.ListPendingAsync(Tenant);

        Assert.Contains("agent-1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("agent-1", childRefused.Message, StringComparison.Ordinal);
        Assert.Equal(4, listed.Count);
        Assert.Contains(listed, r => r.Id == another.Id);

        // Decided, one counts no more; expired, none does.
        await service.DenyAsync(Tenant, first.Id, Voter("carol"));
        await OpenForAsync(service, "agent-1", "open-6");
        await Assert.ThrowsAsync<ApprovalOpenLimitException>(() => OpenForAsync(service, "agent-1", "open-7"));
        Time.Advance(TimeSpan.FromMinutes(31));
        await OpenForAsync(service, "agent-1", "open-8");
    }

    [Fact]
    public async Task OpenAsync_AnotherPersonAtTheSharedAgentsLimit_IsOpened()
    {
        var service = Limited(maxOpen: 2, listWindow: 500);
        await OpenForAsync(service, "agent-1", "dave-0", person: "dave");
        await OpenForAsync(service, "agent-1", "dave-1", person: "dave");

        var refused = await Assert.ThrowsAsync<ApprovalOpenLimitException>(() => OpenForAsync(service, "agent-1", "dave-2", person: "dave"));
        var another = await OpenForAsync(service, "agent-1", "erin-0", person: "erin");

        Assert.Contains("agent-1", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Pending, another.Status);
    }

    [Fact]
    public async Task ListPendingAsync_OneAgentOpensMoreThanTheWindow_AnotherAgentsPendingRequestIsStillListed()
    {
        var service = Limited(maxOpen: 50, listWindow: 5);
        var older = await OpenForAsync(service, "agent-2", "waiting");
        for (var i = 0; i < 12; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await OpenForAsync(service, "agent-1", "spam-" + i);
        }

        var pending = await service.ListPendingAsync(Tenant);
        await service.DenyAsync(Tenant, older.Id, Voter("carol"));
        var afterDenial = await service.ListPendingAsync(Tenant);

        Assert.Equal(13, pending.Count);
        Assert.Equal(older.Id, pending[0].Id);
        Assert.Equal(pending.OrderBy(r => r.CreatedAt).Select(r => r.Id), pending.Select(r => r.Id));
        Assert.Equal(12, afterDenial.Count);
        Assert.DoesNotContain(afterDenial, r => r.Id == older.Id);
    }

    // The service with its own approval options (over the same store and clock as Service).
    private ApprovalService Limited(int maxOpen, int listWindow) => new(
        new StateStoreApprovalStore(Store), Store, new WarrantSigner(TestKeys.Keys), new EqualPolicyDigestsOnly(), Voters, Voters, Voters, Time, TestServices.Metrics,
        MsOptions.Create(new OversightOptions { Approvals = new ApprovalOptions { MaxOpenPerAgent = maxOpen, ListWindow = listWindow } }),
        NullLogger<ApprovalService>.Instance);

    // A request of agent (a child issued by root, when given; acting for person, when given) for its own intent.
    private Task<ApprovalRequest> OpenForAsync(ApprovalService service, string agent, string intent, string? root = null, string? person = null) =>
        service.CreateAsync(Tenant, agent, Tool, intent, PolicyDigest,
            person is not null ? $$"""{"policy":"allow","actor_chain":[{"kind":"person","id":"{{person}}"},{"kind":"agent","id":"{{agent}}"}]}"""
            : root is null ? """{"policy":"allow"}""" : $$"""{"policy":"allow","actor_chain":[{"kind":"agent","id":"{{root}}"},{"kind":"delegate","id":"{{agent}}"}]}""",
            "gate-payments", ["alice", "bob", "carol"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5)).AsTask();
}
