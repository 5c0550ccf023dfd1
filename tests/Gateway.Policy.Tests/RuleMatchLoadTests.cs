using System.Text.Json;
using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A rule that would load but never do what it says is refused at load: an empty <c>not</c> (or <c>any</c>/<c>all</c>
/// item), which holds for every request; <c>approvers: []</c>, which nobody can approve; and a provenance
/// <c>arg_path</c> that is no JSON path, which no argument path matches. An <c>arg_path</c> names members in any case.
/// </summary>
public sealed class RuleMatchLoadTests
{
    private const string BaseTenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: mail.send, kind: http, action_type: write, upstream: "https://mail.example.com/api" }
        agents:
          - { id: a, human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: mail.send }] }

        """;

    [Fact]
    public void Load_RuleMatchNotEmptyMapping_IsMissingRequired()
    {
        var error = SingleError("rules: [{ id: r, match: { tools: [mail.send], not: {} }, effect: block, reason: x }]");

        Assert.Equal(BundleErrorCodes.MissingRequired, error.Code);
        Assert.Contains("match.not", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rules: [{ id: r, match: { any: [{ tools: [mail.send] }, {}] }, effect: block, reason: x }]", "match.any")]
    [InlineData("rules: [{ id: r, match: { all: [{}] }, effect: block, reason: x }]", "match.all")]
    [InlineData("rules: [{ id: r, match: { tools: [mail.send], not: { not: {} } }, effect: block, reason: x }]", "match.not")]
    [InlineData("rules: [{ id: r, match: { not: { any: [{}] } }, effect: block, reason: x }]", "match.any")]
    public void Load_RuleMatchEmptyNestedItem_IsMissingRequired(string section, string field)
    {
        var error = SingleError(section);

        Assert.Equal(BundleErrorCodes.MissingRequired, error.Code);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RequireApprovalRuleWithEmptyApprovers_IsMissingRequired()
    {
        var error = SingleError("rules: [{ id: r, match: { tools: [mail.send] }, effect: require_approval, reason: x, approvers: [] }]");

        Assert.Equal(BundleErrorCodes.MissingRequired, error.Code);
        Assert.Contains("rule 'r' needs at least one approver", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("body")]
    [InlineData("$body")]
    [InlineData("*.body")]
    [InlineData("$.")]
    [InlineData("")]
    public void Load_ProvenanceArgPathNotAJsonPath_IsInvalidPath(string argPath)
    {
        var error = SingleError($$"""rules: [{ id: r, match: { provenance: [{ arg_path: "{{argPath}}", source: [external] }] }, effect: block, reason: x }]""");

        Assert.Equal(BundleErrorCodes.InvalidPath, error.Code);
        Assert.Contains("arg_path", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$.body")]
    [InlineData("$.items[0].sku")]
    [InlineData("$.*")]
    [InlineData("$*")]
    public void Load_ProvenanceArgPathJsonPathOrDollarGlob_Loads(string argPath)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", BaseTenant + $$"""rules: [{ id: r, match: { provenance: [{ arg_path: "{{argPath}}", source: [external] }] }, effect: block, reason: x }]""", Path.GetTempPath());

        Assert.Empty(result.Errors);
    }

    /// <summary>Argument paths name members in any case (an upstream may bind <c>Body</c> as <c>body</c>), so a provenance <c>arg_path</c> does too.</summary>
    [Theory]
    [InlineData("$.Body")]
    [InlineData("$.BODY")]
    [InlineData("$.body")]
    public void Evaluate_ProvenanceArgPathInAnotherCase_Blocks(string sentPath)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", BaseTenant + """rules: [{ id: r, match: { tools: [mail.send], provenance: [{ arg_path: "$.body", source: [user] }] }, effect: block, reason: tainted_body }]""", Path.GetTempPath());
        Assert.Empty(result.Errors);
        var request = new ActionRequest
        {
            Tool = "mail.send",
            Args = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["Body"] = "x" }),
            Provenance = [new ProvenanceEntry { ArgPath = sentPath, Source = ProvenanceSource.User }],
        };

        var decision = DecisionEngine.Instance.Evaluate(result.Tenant!, new AuthenticatedCaller("t1", "w", "a"), request);

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.ReasonCode == "tainted_body");
    }

    private static BundleError SingleError(string section)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", BaseTenant + section, Path.GetTempPath());

        Assert.Null(result.Tenant);
        return Assert.Single(result.Errors);
    }
}
