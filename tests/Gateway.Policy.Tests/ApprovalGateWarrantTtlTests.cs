using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A gate's <c>warrant_ttl</c> is at least one second (a warrant is signed in whole seconds): shorter is
/// <c>invalid_duration</c> at its line, never a bundle that loads and then fails every approval it gates.
/// </summary>
public sealed class ApprovalGateWarrantTtlTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: mail.send, kind: http, action_type: write, upstream: "https://mail.example.com/api" }
        agents:
          - { id: a, human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: mail.send }] }
        approval_gates:
          - id: g
            match: { tools: [mail.send] }
            approvers: [alice]
            warrant_ttl: #TTL#
        """;

    [Theory]
    [InlineData("500ms")]
    [InlineData("999ms")]
    public void Load_WarrantTtlBelowOneSecond_IsInvalidDuration(string ttl)
    {
        var result = Load(ttl);

        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.InvalidDuration, error.Code);
        Assert.Equal(12, error.Line);
        Assert.Contains("warrant_ttl", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1s", 1)]
    [InlineData("1000ms", 1)]
    [InlineData("2d", 172_800)]
    public void Load_WarrantTtlOfASecondOrMore_Loads(string ttl, int seconds)
    {
        var result = Load(ttl);

        Assert.Empty(result.Errors);
        Assert.Equal(TimeSpan.FromSeconds(seconds), result.Tenant!.Register.Gates.Single().WarrantTtl);
    }

    private static TenantLoadResult Load(string ttl) =>
        PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant.Replace("#TTL#", ttl, StringComparison.Ordinal), Path.GetTempPath());
}
