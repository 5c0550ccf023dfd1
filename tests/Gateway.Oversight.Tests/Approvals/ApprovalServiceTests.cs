using System.Text;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Options;
using Gateway.Oversight.Tokens;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>The approval and warrant contract, run against every store (subclasses below).</summary>
public abstract partial class ApprovalServiceTests
{
    private const string Agent = "agent-1";
    private const string Tool = "payments.transfer";
    private const string Digest = "a3f1c0de";
    private const string PolicyDigest = "policy-digest";

    protected ManualTimeProvider Time { get; } = new();

    protected string Tenant { get; } = TestServices.NewTenant();

    protected abstract IStateStore Store { get; }

    /// <summary>A second client of the same store (another replica).</summary>
    protected abstract IStateStore SecondStore { get; }

    /// <summary>Whose votes still count (everyone's until a test says otherwise).</summary>
    private protected TestServices.Voters Voters { get; } = new();

    private ApprovalService Service => TestServices.Approvals(Store, Time, voters: Voters);

    private TokenGenerations Generations => new(Store, Microsoft.Extensions.Logging.Abstractions.NullLogger<TokenGenerations>.Instance);

    [Fact]
    public async Task CreateAsync_NewRequest_IsPendingWithUnguessableId()
    {
        var a = await CreateAsync(Service);
        var b = await CreateAsync(Service);

        Assert.Equal(ApprovalStatus.Pending, a.Status);
        Assert.StartsWith("apr_", a.Id, StringComparison.Ordinal);
        Assert.Equal(26, a.Id.Length);
        Assert.NotEqual(a.Id, b.Id);
        Assert.Empty(a.Approvals);
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromMinutes(30), a.ExpiresAt);
        var fetched = await Service.GetAsync(Tenant, a.Id);
        Assert.Equal("gate-payments", fetched!.GateId);
        Assert.Equal("allow", fetched.Explanation!.Value.GetProperty("policy").GetString());
    }

    [Fact]
    public async Task ApproveAsync_TwoOfThreeDistinctApprovers_Approves()
    {
        var request = await CreateAsync(Service, required: 2);

        var first = await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));
        Assert.True(first.Succeeded);
        Assert.Equal(ApprovalStatus.Pending, first.Request!.Status);

        var second = await Service.ApproveAsync(Tenant, request.Id, Voter("bob"));
        Assert.Equal(ApprovalStatus.Approved, second.Request!.Status);
        Assert.Equal(["alice", "bob"], second.Request.Approvals.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ApproveAsync_SameApproverTwice_CountsOnce()
    {
        var request = await CreateAsync(Service, required: 2);

        await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));
        var again = await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));

        Assert.Equal(ApprovalStatus.Pending, again.Request!.Status);
        Assert.Single(again.Request.Approvals);
    }

    [Fact]
    public async Task ApproveAsync_NotANamedApprover_IsRefused()
    {
        var request = await CreateAsync(Service);

        var result = await Service.ApproveAsync(Tenant, request.Id, Voter("mallory"));

        Assert.Equal(ApprovalErrorCodes.NotAnApprover, result.Code);
        Assert.Equal(ApprovalStatus.Pending, (await Service.GetAsync(Tenant, request.Id))!.Status);
    }

    [Fact]
    public async Task ApproveAsync_ConcurrentApproversOnTwoReplicas_AllCount()
    {
        var replicaA = TestServices.Approvals(Store, Time);
        var replicaB = TestServices.Approvals(SecondStore, Time);
        var request = await CreateAsync(replicaA, required: 3);

        await Task.WhenAll(
            replicaA.ApproveAsync(Tenant, request.Id, Voter("alice")).AsTask(),
            replicaB.ApproveAsync(Tenant, request.Id, Voter("bob")).AsTask(),
            replicaB.ApproveAsync(Tenant, request.Id, Voter("carol")).AsTask());

        var final = await replicaA.GetAsync(Tenant, request.Id);
        Assert.Equal(ApprovalStatus.Approved, final!.Status);
        Assert.Equal(3, final.Approvals.Count);
    }

    [Fact]
    public async Task DenyAsync_ThenApprove_IsRefusedAsNotPending()
    {
        var request = await CreateAsync(Service);

        var denied = await Service.DenyAsync(Tenant, request.Id, Voter("carol"));
        var approve = await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));

        Assert.Equal(ApprovalStatus.Denied, denied.Request!.Status);
        Assert.Equal("carol", denied.Request.DecidedBy);
        Assert.Equal(ApprovalErrorCodes.NotPending, approve.Code);
    }

    [Fact]
    public async Task GetAsync_AfterRequestTtl_IsExpiredAndCannotBeApproved()
    {
        var request = await CreateAsync(Service);
        Time.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(ApprovalStatus.Expired, (await Service.GetAsync(Tenant, request.Id))!.Status);
        Assert.Equal(ApprovalErrorCodes.Expired, (await Service.ApproveAsync(Tenant, request.Id, Voter("alice"))).Code);
    }

    [Fact]
    public async Task GetAsync_UnknownOrCraftedId_ReturnsNull()
    {
        var request = await CreateAsync(Service);

        Assert.Null(await Service.GetAsync(Tenant, "apr_AAAAAAAAAAAAAAAAAAAAAA"));
        Assert.Null(await Service.GetAsync(Tenant, request.Id + ":outcome"));
        Assert.Null(await Service.GetAsync(TestServices.NewTenant(), request.Id));
    }

    [Fact]
    public async Task ListPendingAsync_ReturnsOnlyPendingOfTheTenant()
    {
        var pending = await CreateAsync(Service);
        var approved = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, approved.Id, Voter("alice"));

        var list = await Service.ListPendingAsync(Tenant);

        Assert.Equal([pending.Id], list.Select(r => r.Id));
    }

    [Fact]
    public async Task PollAsync_Approved_GivesWarrantOnlyToTheRequestingAgent()
    {
        var request = await CreateAsync(Service);
        var beforeApproval = await Service.PollAsync(Tenant, Agent, request.Id);
        await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));

        var poll = await Service.PollAsync(Tenant, Agent, request.Id);
        var otherAgent = await Service.PollAsync(Tenant, "agent-2", request.Id);

        Assert.Null(beforeApproval!.Warrant);
        Assert.Equal(ApprovalStatus.Approved, poll!.Status);
        Assert.StartsWith("w1.", poll.Warrant, StringComparison.Ordinal);
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromMinutes(5), poll.WarrantExpiresAt);
        Assert.Null(otherAgent);
    }

    [Fact]
    public async Task RedeemWarrantAsync_SecondUse_IsRefused()
    {
        var warrant = await ApprovedWarrantAsync();

        var first = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant));
        var second = await TestServices.Approvals(SecondStore, Time).RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant));

        Assert.True(first.Redeemed);
        Assert.Equal(Tool, first.Claims!.Tool);
        Assert.False(second.Redeemed);
        Assert.Equal(WarrantReasons.AlreadyUsed, second.Reason);
    }

    [Fact]
    public async Task RedeemWarrantAsync_ConcurrentUses_ExactlyOneSucceeds()
    {
        var warrant = await ApprovedWarrantAsync();
        var replicaA = TestServices.Approvals(Store, Time);
        var replicaB = TestServices.Approvals(SecondStore, Time);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? replicaA : replicaB).RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant)).AsTask()));

        Assert.Single(results, r => r.Redeemed);
    }

    [Fact]
    public async Task RedeemWarrantAsync_ChangedIntentDigest_IsRefusedAndDoesNotConsume()
    {
        var warrant = await ApprovedWarrantAsync();

        var changed = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, "different-digest", warrant));
        var original = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant));

        Assert.Equal(WarrantReasons.IntentMismatch, changed.Reason);
        Assert.True(original.Redeemed);
    }

    [Fact]
    public async Task RedeemWarrantAsync_WrongTenantOrAgent_IsRefused()
    {
        var warrant = await ApprovedWarrantAsync();

        Assert.Equal(WarrantReasons.TenantMismatch, (await Service.RedeemWarrantAsync(Presented(TestServices.NewTenant(), Agent, Digest, warrant))).Reason);
        Assert.Equal(WarrantReasons.AgentMismatch, (await Service.RedeemWarrantAsync(Presented(Tenant, "agent-2", Digest, warrant))).Reason);
    }

    [Fact]
    public async Task RedeemWarrantAsync_AfterWarrantTtl_IsExpired()
    {
        var warrant = await ApprovedWarrantAsync();
        Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(WarrantReasons.Expired, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant))).Reason);
    }

    [Fact]
    public async Task RedeemWarrantAsync_TamperedOrForeignWarrant_IsRefused()
    {
        var warrant = await ApprovedWarrantAsync();
        var parts = warrant.Split('.');
        var forgedPayload = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).Replace(Agent, "agent-9", StringComparison.Ordinal)));
        var otherKey = new OversightKeys(TestKeys.DecisionKey, TestKeys.ServiceKey, Encoding.UTF8.GetBytes("another-data-key-entirely-0123456789abcd"));
        var foreign = new WarrantSigner(otherKey).Issue(new WarrantClaims
        {
            Tid = Tenant, Aid = Agent, Tool = Tool, Act = Digest, Apr = "apr_AAAAAAAAAAAAAAAAAAAAAA", Pol = PolicyDigest, Tgn = 0, Agn = 0,
            Iat = Time.GetUtcNow().ToUnixTimeSeconds(), Exp = Time.GetUtcNow().ToUnixTimeSeconds() + 60,
        });

        Assert.Equal(WarrantReasons.BadSignature, (await Service.RedeemWarrantAsync(Presented(Tenant, "agent-9", Digest, $"{parts[0]}.{forgedPayload}.{parts[2]}"))).Reason);
        Assert.Equal(WarrantReasons.BadSignature, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, foreign))).Reason);
        Assert.Equal(WarrantReasons.Malformed, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, "not-a-warrant"))).Reason);
        Assert.True((await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant))).Redeemed);
    }

    [Fact]
    public async Task RedeemWarrantAsync_AgentSuspendedAndResumedSinceIssued_IsRefusedAgentRevokedAndNotConsumed()
    {
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("bob"));
        var before = (await Service.PollAsync(Tenant, Agent, request.Id))!.Warrant!;
        await Generations.RevokeAgentAsync(Tenant, Agent, "suspended");

        // Read from the store, and as an admission read them (its one store step): refused either way.
        var read = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, before));
        var admitted = await Service.CheckWarrantAsync(Presented(Tenant, Agent, Digest, before) with { Generations = (0, 1) });
        var polledAgain = (await Service.PollAsync(Tenant, Agent, request.Id))!.Warrant!;

        Assert.Equal(WarrantReasons.AgentRevoked, read.Reason);
        Assert.Equal("agent_revoked", admitted.Reason);
        Assert.True((await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, polledAgain))).Redeemed);
    }

    [Fact]
    public async Task RedeemWarrantAsync_TenantSuspendedSinceIssued_IsRefusedTenantRevoked()
    {
        var warrant = await ApprovedWarrantAsync();
        await Generations.RevokeTenantAsync(Tenant, "suspended");

        var refused = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant));
        // Generations the admission read are used as read, with no store read of them here (the Record stage refuses a
        // decision whose admission then reads others).
        var stale = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant) with { Generations = (0, 0) });

        Assert.Equal(WarrantReasons.TenantRevoked, refused.Reason);
        Assert.Equal("tenant_revoked", refused.Reason);
        Assert.True(stale.Redeemed);
    }

    [Fact]
    public async Task PollAsync_DelegatedChild_IssuesUnderItsRegisteredAgentsGeneration()
    {
        await Generations.RevokeAgentAsync(Tenant, "registered-agent", "suspended");
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("bob"));

        var warrant = (await Service.PollAsync(Tenant, Agent, request.Id, registeredAgent: "registered-agent"))!.Warrant!;
        Assert.True(new WarrantSigner(TestKeys.Keys).TryVerify(warrant, out var claims, out _));

        Assert.Equal(1, claims!.Agn);
        Assert.True((await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant) with { RegisteredAgent = "registered-agent" })).Redeemed);
    }

    [Fact]
    public async Task ApproveAsync_TwoPersonsWhoseTokensOneAdminMinted_CountAsOne()
    {
        var request = await CreateAsync(Service, required: 2);

        await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("alice", "mallory-admin"));
        var second = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "mallory-admin"));

        Assert.Equal(ApprovalStatus.Pending, second.Request!.Status);
        var third = await Service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("carol", "another-admin"));
        Assert.Equal(ApprovalStatus.Approved, third.Request!.Status);
    }

    [Fact]
    public async Task CheckWarrantAsync_ValidWarrant_PassesWithoutConsumingIt()
    {
        var warrant = await ApprovedWarrantAsync();

        var simulated = await Service.CheckWarrantAsync(Presented(Tenant, Agent, Digest, warrant));
        var again = await Service.CheckWarrantAsync(Presented(Tenant, Agent, Digest, warrant));
        var real = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant));
        var afterUse = await Service.CheckWarrantAsync(Presented(Tenant, Agent, Digest, warrant));

        Assert.True(simulated.Redeemed);
        Assert.True(again.Redeemed);
        Assert.True(real.Redeemed);
        Assert.Equal(WarrantReasons.AlreadyUsed, afterUse.Reason);
    }

    [Fact]
    public async Task RedeemWarrantAsync_UnderAChangedPolicy_IsRefusedAndNotConsumed()
    {
        var warrant = await ApprovedWarrantAsync();

        var changed = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant, policyDigest: "another-policy"));
        var unchanged = await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant));

        Assert.Equal(WarrantReasons.PolicyChanged, changed.Reason);
        Assert.Equal(PolicyDigest, changed.Claims!.Pol);
        Assert.True(unchanged.Redeemed);
    }

    [Fact]
    public async Task RedeemWarrantAsync_ChangeMarkedCompatible_IsAccepted()
    {
        var warrant = await ApprovedWarrantAsync();
        var compatible = TestServices.Approvals(Store, Time, compatibility: new CompatibleWith(PolicyDigest, "reworded-policy"));

        Assert.True((await compatible.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant, policyDigest: "reworded-policy"))).Redeemed);
    }

    [Fact]
    public async Task CreateAsync_MoreApprovalsThanApprovers_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => CreateAsync(Service, required: 4).AsTask());
    }

    private async Task<string> ApprovedWarrantAsync()
    {
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("bob"));
        return (await Service.PollAsync(Tenant, Agent, request.Id))!.Warrant!;
    }

    /// <summary>A person approving through a token of their own admin's minting (so that every person counts).</summary>
    private static ApprovalVoter Voter(string person) => new(person, "minter-of-" + person);

    private static WarrantPresentation Presented(string tenant, string agent, string intentDigest, string warrant, string policyDigest = PolicyDigest) =>
        new(tenant, agent, intentDigest, policyDigest, warrant);

    private ValueTask<ApprovalRequest> CreateAsync(ApprovalService service, int required = 1, string agent = Agent) =>
        service.CreateAsync(Tenant, agent, Tool, Digest, PolicyDigest, """{"policy":"allow"}""", "gate-payments",
            ["alice", "bob", "carol"], required, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5));
}

/// <summary>A compatibility rule that accepts one declared change (as a bundle marking a change compatible would).</summary>
internal sealed class CompatibleWith(string approved, string current) : IWarrantCompatibility
{
    public bool IsCompatible(string tenant, string approvedPolicyDigest, string currentPolicyDigest) =>
        approvedPolicyDigest == currentPolicyDigest || (approvedPolicyDigest == approved && currentPolicyDigest == current);
}

public sealed class ApprovalServiceInMemoryTests : ApprovalServiceTests
{
    public ApprovalServiceInMemoryTests()
    {
        Store = new InMemoryStateStore(Time);
    }

    protected override IStateStore Store { get; }

    protected override IStateStore SecondStore => Store;
}

public sealed class ApprovalServiceRedisTests(RedisFixture redis) : ApprovalServiceTests, IClassFixture<RedisFixture>
{
    protected override IStateStore Store { get; } = redis.Store;

    protected override IStateStore SecondStore { get; } = redis.Connect();
}
