using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A key written in a gate's or rule's <c>match</c> with no value (<c>[]</c> or null) is refused at load, naming the
/// field: an empty list would silently match nothing (or, for <c>args</c>, everything), and only an omitted key matches everything.
/// A <c>tools</c> glob that matches no catalog entry is refused the same way, as a dangling reference.
/// </summary>
public sealed class EmptyMatchListTests
{
    private const string BaseTenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: fetch, kind: http, action_type: delete, target_system: crm, upstream: "https://fetch.example.com/api" }
        agents:
          - { id: a, human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: fetch }] }

        """;

    [Theory]
    [InlineData("approval_gates: [{ id: g, match: { action_types: [delete], environments: [] }, approvers: [alice] }]", "environments")]
    [InlineData("approval_gates: [{ id: g, match: { action_types: [] }, approvers: [alice] }]", "action_types")]
    [InlineData("approval_gates: [{ id: g, match: { tools: [] }, approvers: [alice] }]", "tools")]
    [InlineData("approval_gates: [{ id: g, match: { target_systems: [] }, approvers: [alice] }]", "target_systems")]
    [InlineData("approval_gates: [{ id: g, match: { data_classes: [] }, approvers: [alice] }]", "data_classes")]
    [InlineData("approval_gates: [{ id: g, match: { action_types: [delete], environments: ~ }, approvers: [alice] }]", "environments")]
    [InlineData("rules: [{ id: r, match: { agents: [] }, effect: block, reason: x }]", "agents")]
    [InlineData("rules: [{ id: r, match: { tools: [] }, effect: block, reason: x }]", "tools")]
    [InlineData("rules: [{ id: r, match: { action_types: [] }, effect: block, reason: x }]", "action_types")]
    [InlineData("rules: [{ id: r, match: { data_classes: [] }, effect: block, reason: x }]", "data_classes")]
    [InlineData("rules: [{ id: r, match: { targets: [] }, effect: block, reason: x }]", "targets")]
    [InlineData("rules: [{ id: r, match: { allowed_targets: [] }, effect: block, reason: x }]", "allowed_targets")]
    [InlineData("rules: [{ id: r, match: { args: [] }, effect: block, reason: x }]", "args")]
    [InlineData("rules: [{ id: r, match: { provenance: [] }, effect: block, reason: x }]", "provenance")]
    [InlineData("rules: [{ id: r, match: { provenance: [{ source: [] }] }, effect: block, reason: x }]", "source")]
    [InlineData("rules: [{ id: r, match: { tools: ~ }, effect: allow, reason: x }]", "tools")]
    [InlineData("rules: [{ id: r, match: { tools: [fetch], not: { agents: [] } }, effect: block, reason: x }]", "agents")]
    [InlineData("rules: [{ id: r, match: { any: [{ tools: [fetch] }, { data_classes: [] }] }, effect: block, reason: x }]", "data_classes")]
    public void Load_EmptyListInAMatch_IsRefused(string section, string field)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", BaseTenant + section, Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.MissingRequired, error.Code);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A tool glob no catalog entry matches (globs are case-sensitive) would silently disable its rule or gate.</summary>
    [Theory]
    [InlineData("rules: [{ id: r, match: { tools: [Fetch*] }, effect: block, reason: x }]", "Fetch*")]
    [InlineData("rules: [{ id: r, match: { tools: [fetch, \"mail.*\"] }, effect: block, reason: x }]", "mail.*")]
    [InlineData("rules: [{ id: r, match: { tools: [fetch], not: { tools: [fetx?] } }, effect: block, reason: x }]", "fetx?")]
    [InlineData("approval_gates: [{ id: g, match: { tools: [\"FETCH*\"] }, approvers: [alice] }]", "FETCH*")]
    [InlineData("approval_gates: [{ id: g, match: { tools: [\"f*.delete\"] }, approvers: [alice] }]", "f*.delete")]
    public void Load_ToolGlobMatchingNoEntry_IsRefused(string section, string glob)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", BaseTenant + section, Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.DanglingReference, error.Code);
        Assert.Contains($"'{glob}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rules: [{ id: r, match: { tools: [\"f*\", \"*\", \"fe?ch\"] }, effect: block, reason: x }]")]
    [InlineData("approval_gates: [{ id: g, match: { tools: [\"*h\"] }, approvers: [alice] }]")]
    public void Load_ToolGlobMatchingAnEntry_Loads(string section) =>
        Assert.Empty(PolicyBundleLoader.LoadTenantText("t1.yaml", BaseTenant + section, Path.GetTempPath()).Errors);

    [Theory]
    [InlineData("approval_gates: [{ id: g, match: { action_types: [delete], tools: [fetch], target_systems: [crm], data_classes: [pii], environments: [prod] }, approvers: [alice] }]")]
    [InlineData("rules: [{ id: r, match: { agents: [a], tools: [fetch], action_types: [delete], data_classes: [pii], targets: [{ value: x }], allowed_targets: [{ value: y }], args: [{ path: $.a, glob: z }], provenance: [{ source: [user] }] }, effect: block, reason: x }]")]
    public void Load_EveryMatchListHasAValue_Loads(string section)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", BaseTenant + section, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.NotNull(result.Tenant);
    }
}
