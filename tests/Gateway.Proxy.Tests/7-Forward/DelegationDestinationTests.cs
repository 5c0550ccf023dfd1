using System.Security.Cryptography;
using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Oversight.Delegations;
using Gateway.Policy;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// The delegation's local destination over a real (embedded) delegation store on a manual clock: a child still alive is
/// stored and answered 201; one whose lifetime ended while its request was recorded (a slow append, a one-second
/// <c>ttl_seconds</c>) is refused 403 <c>delegation_widens_authority</c> (a <c>ttl</c> widening), nothing stored, never a
/// 500 from the store's refusal of a child already expired.
/// </summary>
public sealed class DelegationDestinationTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly DelegationStore _delegations;
    private readonly EncryptionKeyRing _keys = EncryptionKeyRing.FromEnvironment(static name =>
        name == DataEncryptionKey.EnvironmentVariable ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) : null);

    public DelegationDestinationTests() => _delegations = new DelegationStore(new InMemoryStateStore(_time), _time);

    [Fact]
    public async Task Delegate_ChildAlive_IsStoredAndAnswered201()
    {
        var child = Child(TimeSpan.FromSeconds(1));

        var feature = await ServeAsync(child);

        Assert.Equal(StatusCodes.Status201Created, Assert.IsAssignableFrom<IStatusCodeHttpResult>(feature.Get<LocalAnswer>().Result).StatusCode);
        Assert.NotNull(await _delegations.FindAsync("t1", child.Id));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1500)]
    public async Task Delegate_ChildLifetimeEndingDuringTheRequest_IsRefusedNot500(int recordedForMs)
    {
        var child = Child(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromMilliseconds(recordedForMs));

        var feature = await ServeAsync(child);

        var refusal = feature.Get<Refusal>();
        Assert.Equal((StatusCodes.Status403Forbidden, ProblemCodes.DelegationWidensAuthority, "delegation"), (refusal.Status, refusal.Code, refusal.AuditTool));
        Assert.Contains("ended before it was issued", refusal.Detail, StringComparison.Ordinal);
        Assert.Null(feature.Find<LocalAnswer>());
        Assert.Null(await _delegations.FindAsync("t1", child.Id));
    }

    private async Task<GatewayRequestFeature> ServeAsync(DelegationRecord child)
    {
        var context = new DefaultHttpContext();
        var feature = new GatewayRequestFeature("req-1");
        context.Features.Set(feature);
        feature.Add(new LocalAction("delegation", LocalAdmission.DelegationIssuance));
        feature.Add(new DelegationIssue(child));
        feature.Add(new Admission(AdmissionVerdict.Admitted, StoredRuns.Agent, null, TimeSpan.Zero));

        await new DelegationDestination(_delegations, _keys, _time).ServeAsync(context, feature);
        return feature;
    }

    // A child of agent-a issued now for `ttl`, as the describer settles it.
    private DelegationRecord Child(TimeSpan ttl)
    {
        var id = DelegationIds.New();
        return new DelegationRecord
        {
            Id = id,
            Tenant = "t1",
            Workspace = "w",
            Name = "researcher",
            Parent = "agent-a",
            Chain = ActorChain.Of("agent-a").Delegate(new ActorLink(ActorKind.Delegate, id) { Name = "researcher" }).Links,
            Permissions = [new DelegatedTool("crm.read_contact", [ActionType.Read])],
            AtfLevel = AtfLevel.L2,
            DataClassCeiling = DataClass.Internal,
            Depth = 1,
            CreatedAt = _time.GetUtcNow(),
            ExpiresAt = _time.GetUtcNow() + ttl,
        };
    }
}
