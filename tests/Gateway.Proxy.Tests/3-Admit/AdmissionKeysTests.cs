using Gateway.Policy;
using Gateway.Policy.Bundles;
using Gateway.Proxy.Admit;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>An agent's admission keys are made once per tenant policy, tool and secret, and made again for a new policy.</summary>
public sealed class AdmissionKeysTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: notes, kind: context, action_type: context, data_classes: [internal], upstream: "http://h/notes" }
        agents:
          - { id: reader, human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: notes }] }
        rate_limits:
          - { scope: tenant, limit: 100, window: 1m }
          - { scope: agent, agent: reader, limit: #AGENT#, window: 1m }
        """;

    [Fact]
    public void For_SameAgentToolAndPolicy_ReturnsTheKeysMadeBefore()
    {
        var keys = new AdmissionKeys();
        var policy = Load(10);

        var first = keys.For(policy, "t1", "reader", "notes", "fp1");
        var second = keys.For(policy, "t1", "reader", "notes", "fp1");

        Assert.Same(first, second);
        Assert.Equal(["tenant", "agent"], first.Scopes);
        Assert.Equal(AdmissionKeys.Windows(policy, "t1", "reader", "notes").Windows, first.Windows);
    }

    [Fact]
    public void For_ReloadedPolicyWithOtherLimits_MakesTheKeysAgain()
    {
        var keys = new AdmissionKeys();

        var before = keys.For(Load(10), "t1", "reader", "notes", "fp1");
        var after = keys.For(Load(20), "t1", "reader", "notes", "fp1");

        Assert.NotSame(before, after);
        Assert.Equal(20, after.Windows[1].Limit);
        Assert.NotEqual(before.Windows[1].Key, after.Windows[1].Key);
    }

    [Fact]
    public void For_OtherSigningSecret_HasItsOwnRetiredSecretSwitch()
    {
        var keys = new AdmissionKeys();
        var policy = Load(10);

        var one = keys.For(policy, "t1", "reader", "notes", "fp1");
        var other = keys.For(policy, "t1", "reader", "notes", "fp2");
        var unknown = keys.For(policy, "t1", "reader", "notes", null);

        Assert.NotEqual(one.SwitchKeys[^1], other.SwitchKeys[^1]);
        Assert.Equal(one.SwitchKeys.Length - 1, unknown.SwitchKeys.Length);
    }

    private const string ToolLimits = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: deploy, kind: context, action_type: context, data_classes: [internal], upstream: "http://h/deploy" }
        agents:
          - { id: team, human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: deploy }] }
          - { id: "team:ci", human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: deploy }] }
        rate_limits:
          - { scope: tool, agent: team, limit: 10, window: 1m }
          - { scope: tool, agent: "team:ci", limit: 10, window: 1m }
          - { scope: tool, limit: 50, window: 1m }
        """;

    [Fact]
    public void Windows_AgentIdAndToolNameSplittingTheSameText_GiveOtherKeys()
    {
        var policy = LoadText(ToolLimits);

        var team = AdmissionKeys.Windows(policy, "t1", "team", "ci:deploy").Windows.Select(w => w.Key);
        var teamCi = AdmissionKeys.Windows(policy, "t1", "team:ci", "deploy").Windows.Select(w => w.Key);

        Assert.NotEmpty(teamCi);
        Assert.Empty(team.Intersect(teamCi));
    }

    [Fact]
    public void WindowsAndFor_ToolsTheCatalogDoesNotHold_CountedUnderOneKeyAndNotKept()
    {
        var policy = LoadText(ToolLimits);
        var keys = new AdmissionKeys();

        var first = keys.For(policy, "t1", "team", new string('x', 10_000), "fp1");
        var second = keys.For(policy, "t1", "team", "made-up", "fp1");

        Assert.Equal(first.Windows.Select(w => w.Key), second.Windows.Select(w => w.Key));
        Assert.All(first.Windows, w => Assert.DoesNotContain("xxxx", w.Key, StringComparison.Ordinal));
        Assert.NotSame(second, keys.For(policy, "t1", "team", "made-up", "fp1"));
        Assert.Same(keys.For(policy, "t1", "team", "deploy", "fp1"), keys.For(policy, "t1", "team", "deploy", "fp1"));
    }

    [Fact]
    public void Windows_GeneralAndSpecificLimitWithEqualNumbers_OneWindowPerKey()
    {
        // Both limits name the agent's counter (agent:reader, 1 minute, 10): counted once per request, not twice.
        var policy = LoadText(Tenant.Replace("#AGENT#", "10", StringComparison.Ordinal)
            .Replace("  - { scope: tenant, limit: 100, window: 1m }\n", "  - { scope: tenant, limit: 100, window: 1m }\n  - { scope: agent, limit: 10, window: 1m }\n", StringComparison.Ordinal));

        var (windows, scopes) = AdmissionKeys.Windows(policy, "t1", "reader", "notes");

        Assert.Equal(["tenant", "agent"], scopes);
        Assert.Equal(2, windows.Count);
        Assert.Equal(windows.Count, windows.Select(w => w.Key).Distinct(StringComparer.Ordinal).Count());
    }

    private static TenantPolicy LoadText(string text)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return result.Tenant!;
    }

    private static TenantPolicy Load(int agentLimit) =>
        LoadText(Tenant.Replace("#AGENT#", agentLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
}
