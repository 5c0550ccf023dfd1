using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A bundle's names and codes are whole values: one ending in a line break (a YAML block scalar keeps it, a quoted
/// scalar writes it as <c>\n</c>) is refused like any other character outside its alphabet, never taken for its text.
/// </summary>
public sealed class TrailingNewlineTests
{
    [Theory]
    [InlineData("\"t1\\n\"", "exfil_site")]
    [InlineData("t1", "\"exfil_site\\n\"")]
    public void LoadTenantText_ValueWithATrailingLineBreak_IsRefused(string tenant, string reason)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Text(tenant, reason), Path.GetTempPath());

        Assert.Contains(result.Errors, error => error.Code == BundleErrorCodes.InvalidValue);
    }

    [Fact]
    public void LoadTenantText_SameValuesWithoutTheLineBreak_Load()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Text("t1", "exfil_site"), Path.GetTempPath());

        Assert.Empty(result.Errors);
    }

    private static string Text(string tenant, string reason) => $$"""
        tenant: {{tenant}}
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: fetch, kind: http, action_type: read, upstream: "https://fetch.example.com/api" }
        agents:
          - id: a
            human_owner: hugo
            security_owner: alice
            atf_level: L3
            permissions: [{ tool: fetch }]
        rules:
          - { id: r1, match: { tools: [fetch] }, effect: block, reason: {{reason}} }
        """;
}
