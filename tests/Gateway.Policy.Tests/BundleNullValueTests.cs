using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A key written with no value (<c>key:</c>, <c>~</c>, <c>null</c>) is refused at load, naming it, rather than read as
/// absent: absent, most keys take a default, often the permissive one (<c>default_verdict</c> allow, <c>lifecycle</c>
/// active, <c>risk_tier</c> low, no approval, not external). A top-level section written with no entries has none.
/// </summary>
public sealed class BundleNullValueTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        #TOP#
        approvers: [{ id: bob }]
        catalog:
          - name: wiki.read
            kind: http
            action_type: read
            upstream: "https://wiki.example.com/api"
            #ENTRY#
        agents:
          - id: a
            human_owner: hugo
            security_owner: bob
            atf_level: L3
            #AGENT#
            permissions:
              - tool: wiki.read
                #PERMISSION#

        """;

    [Theory]
    [InlineData("#TOP#", "default_verdict:", "default_verdict")]
    [InlineData("#TOP#", "default_verdict: ~", "default_verdict")]
    [InlineData("#TOP#", "default_verdict: null", "default_verdict")]
    [InlineData("#TOP#", "environment:", "environment")]
    [InlineData("#TOP#", "simulate: ~", "simulate")]
    [InlineData("#AGENT#", "lifecycle:", "lifecycle")]
    [InlineData("#AGENT#", "lifecycle: ~", "lifecycle")]
    [InlineData("#AGENT#", "risk_tier: null", "risk_tier")]
    [InlineData("#PERMISSION#", "human_approval_required:", "human_approval_required")]
    [InlineData("#PERMISSION#", "action_types: ~", "action_types")]
    [InlineData("#ENTRY#", "external: ~", "external")]
    [InlineData("#ENTRY#", "risk_tier:", "risk_tier")]
    public void Load_DefaultVerdictOrLifecycleWrittenEmpty_IsRefused(string at, string line, string key)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Fill(at, line), Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.MissingRequired, error.Code);
        Assert.Contains($".{key} is written with no value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RequiredKeyWrittenEmpty_IsRefusedOnce()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Fill("#TOP#", string.Empty).Replace("workspaces: [w]", "workspaces:", StringComparison.Ordinal), Path.GetTempPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.MissingRequired, error.Code);
        Assert.Contains("workspaces", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SectionWrittenWithNoEntries_LoadsWithNone()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Fill("#TOP#", "rules:\nrisks: ~\nrate_limits: null"), Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.Empty(result.Tenant!.Register.Rules);
        Assert.Empty(result.Tenant.Register.Risks);
        Assert.Equal(RuleEffect.Allow, result.Tenant.DefaultVerdict);
    }

    private static string Fill(string at, string line)
    {
        var text = Tenant;
        foreach (var marker in new[] { "#TOP#", "#ENTRY#", "#AGENT#", "#PERMISSION#" })
        {
            text = text.Replace(marker, marker == at ? line : string.Empty, StringComparison.Ordinal);
        }

        return text;
    }
}
