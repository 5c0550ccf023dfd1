namespace Gateway.Policy.Tests.Register;

/// <summary>
/// An <c>a2a_skill</c> entry's limits as the bundle loads them (docs/a2a.md, "The catalog"): its <c>a2a</c> agent's
/// <c>limits</c> hold for it too, the tighter of each where both declare one; other entries keep their own.
/// </summary>
public sealed class A2aSkillLimitsTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        catalog:
          - { name: helper, kind: a2a, action_type: read, target_system: helper, upstream: "http://127.0.0.1:9400/a2a", credential: none, limits: { max_request_bytes: 2048, max_response_bytes: 4096 } }
          - { name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize }
          - { name: helper.wire, kind: a2a_skill, action_type: external, target_system: helper, connector: helper, a2a_skill: wire, limits: { max_response_bytes: 1024, max_request_bytes: 1000000 } }
          - { name: web, kind: http, action_type: read, upstream: "http://127.0.0.1:9500/api", credential: none, limits: { max_response_bytes: 99 } }
        """;

    [Theory]
    [InlineData("helper", 2048, 4096)]
    [InlineData("helper.summarize", 2048, 4096)]
    [InlineData("helper.wire", 2048, 1024)]
    [InlineData("web", ConnectorLimits.DefaultMaxRequestBytes, 99)]
    public void LoadTenantText_SkillOfAnAgentWithLimits_HoldsTheTighterOfEach(string entry, long requestBytes, long responseBytes)
    {
        var result = Gateway.Policy.Bundles.PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);

        Assert.True(result.Tenant!.TryGetCatalogEntry(entry, out var found));
        Assert.Equal(requestBytes, found!.Limits.RequestBytes);
        Assert.Equal(responseBytes, found.Limits.ResponseBytes);
    }
}
