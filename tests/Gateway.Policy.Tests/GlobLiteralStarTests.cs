using System.Text.Json;
using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A `*` the agent writes into a value is an ordinary character: it never stops a pattern's `*` from being a wildcard,
/// so a block rule on an argument or target glob still blocks a value that has a `*` where the glob has one.
/// </summary>
public sealed class GlobLiteralStarTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: fetch, kind: http, action_type: read, upstream: "https://fetch.example.com/api" }
          - { name: query, kind: http, action_type: read, upstream: "https://db.example.com/api" }
        agents:
          - id: a
            human_owner: hugo
            security_owner: alice
            atf_level: L3
            permissions: [{ tool: fetch }, { tool: query }]
        rules:
          - { id: no-paste, match: { tools: [fetch], args: [{ path: $.url, glob: "https://paste.evil.test/*" }] }, effect: block, reason: exfil_site }
          - { id: no-paste-target, match: { tools: [fetch], targets: [{ kind: url, value: "https://paste.evil.test/*" }] }, effect: block, reason: exfil_site_target }
          - { id: no-drop, match: { tools: [query], args: [{ path: $.sql, glob: "*drop table*" }] }, effect: block, reason: destructive_sql }
        """;

    [Theory]
    [InlineData("https://paste.evil.test/abc")]
    [InlineData("https://paste.evil.test/*abc")]
    [InlineData("https://paste.evil.test/*")]
    [InlineData("https://paste.evil.test/**/x*")]
    public void Evaluate_BlockRuleOnUrlArgument_BlocksAValueWithALiteralStar(string url)
    {
        var decision = Evaluate("fetch", "url", url);

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Equal("exfil_site", Assert.Single(decision.Explanation.RuleTriggers).ReasonCode);
    }

    [Fact]
    public void Evaluate_BlockRuleOnUrlTarget_BlocksAValueWithALiteralStar()
    {
        var decision = Evaluate("fetch", "url", "https://fetch.example.com/ok", new ActionTarget { Kind = TargetKind.Url, Value = "https://paste.evil.test/*abc" });

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Equal("exfil_site_target", Assert.Single(decision.Explanation.RuleTriggers).ReasonCode);
    }

    [Theory]
    [InlineData("drop table users")]
    [InlineData("*/ drop table users")]
    [InlineData("/**/drop table users")]
    public void Evaluate_BlockRuleOnTextArgument_BlocksAValueWithALiteralStar(string sql)
    {
        var decision = Evaluate("query", "sql", sql);

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Equal("destructive_sql", Assert.Single(decision.Explanation.RuleTriggers).ReasonCode);
    }

    [Theory]
    [InlineData("fetch", "url", "https://good.example/*abc")]
    [InlineData("query", "sql", "select * from users")]
    public void Evaluate_ALiteralStarElsewhere_IsNotBlocked(string tool, string name, string value)
    {
        var decision = Evaluate(tool, name, value);

        Assert.NotEqual(DecisionKind.Block, decision.Kind);
        Assert.Empty(decision.Explanation.RuleTriggers);
    }

    private static Decision Evaluate(string tool, string name, string value, params ActionTarget[] targets)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return DecisionEngine.Instance.Evaluate(result.Tenant!, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest
        {
            Tool = tool,
            Args = JsonSerializer.SerializeToElement(new Dictionary<string, string> { [name] = value }),
            Targets = targets.Length == 0 ? null : targets,
        });
    }
}
