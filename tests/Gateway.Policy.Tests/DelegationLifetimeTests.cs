using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A child's lifetime is at least <see cref="DelegationCheck.MinimumLifetime"/>: a parent with less left (or already past
/// its expiry by this replica's clock) issues no child, refused as a <c>ttl</c> widening, never a child already expired.
/// </summary>
public sealed class DelegationLifetimeTests
{
    private const string Bundle = """
        tenant: t1
        workspaces: [w]
        delegation: { max_depth: 2 }
        catalog:
          - { name: read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none, data_classes: [internal] }
        agents:
          - { id: a, human_owner: h@example.com, security_owner: s, atf_level: L3, secret: env:A, permissions: [{ tool: read }] }
        """;

    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(999)]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-1500)]
    public void Evaluate_ParentExpiringWithinTheMinimum_IsRefusedAsTtlWidening(int parentLeftMs)
    {
        var (tenant, parent) = Parent(Now.AddMilliseconds(parentLeftMs));

        var result = DelegationCheck.Evaluate(parent, Grant(), tenant.Register.Delegation, Now);

        Assert.Null(result.Scope);
        var widening = Assert.Single(result.Widenings);
        Assert.Equal(DelegationWidenings.Ttl, widening.Kind);
        Assert.Contains("parent expires in 0 s", widening.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ParentWithTheMinimumLeft_IssuesAChildEndingWithIt()
    {
        var (tenant, parent) = Parent(Now + DelegationCheck.MinimumLifetime);

        var result = DelegationCheck.Evaluate(parent, Grant(), tenant.Register.Delegation, Now);

        Assert.Empty(result.Widenings);
        Assert.Equal(Now + DelegationCheck.MinimumLifetime, result.ExpiresAt);
    }

    private static (TenantPolicy Tenant, DelegationAuthority Parent) Parent(DateTimeOffset expiresAt)
    {
        var loaded = PolicyBundleLoader.LoadTenantText("t1.yaml", Bundle, Path.GetTempPath());
        Assert.Empty(loaded.Errors);
        var scope = new DelegationScope { Agent = "a", Permissions = [new ToolPermission { Tool = "read", ActionTypes = [ActionType.Read] }], AtfLevel = AtfLevel.L2, DataClassCeiling = DataClass.Internal };
        return (loaded.Tenant!, DelegationAuthority.Of(loaded.Tenant!, "dlg-child", scope, expiresAt, depth: 1, mayDelegate: true)!);
    }

    private static DelegationGrantRequest Grant() => new() { Name = "grandchild", Tools = [new DelegationToolRequest("read", null)] };
}
