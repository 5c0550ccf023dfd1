using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests.Register;

/// <summary>
/// An agent's <c>interactive.clients</c>: a refused <c>client_id</c> or redirect URI is named by its field, its place in
/// the list and the rule, never quoted (a secret pasted there, or a URL holding one, would be printed and logged).
/// </summary>
public sealed class InteractiveSectionParserTests
{
    private const string Pasted = "sk-live-4f9a8b7c6d5e";

    [Theory]
    [InlineData("{ client_id: \"sk-live-4f9a8b7c6d5e\\u0007\", redirect_uris: [\"https://ide.example/cb\"] }", "interactive.clients[1].client_id must be at most 255 printable characters")]
    [InlineData("{ client_id: ide-2, redirect_uris: [\"http://svc:sk-live-4f9a8b7c6d5e@ide.example/cb\"] }", "interactive.clients[1].redirect_uris[0] must be an absolute URI without a fragment (plain http only on a loopback host")]
    [InlineData("{ client_id: ide-2, redirect_uris: [\"https://ide.example/cb\", \"https://ide.example/cb#sk-live-4f9a8b7c6d5e\"] }", "interactive.clients[1].redirect_uris[1] must be an absolute URI")]
    [InlineData("{ client_id: \"sk-live-4f9a8b7c6d5e\" }", "interactive.clients[1] needs redirect_uris, or a client_id that is a client ID metadata document's https URL")]
    [InlineData("{ client_id: \"https://ide.example/?token=sk-live-4f9a8b7c6d5e#x\" }", "interactive.clients[1] needs redirect_uris, or a client_id")]
    [InlineData("{ client_id: \"sk-live-4f9a8b7c6d5e\", redirect_uris: [] }", "interactive.clients[1] needs at least one redirect URI")]
    public void LoadTenantText_ClientIdOrRedirectUriRefused_ErrorNamesTheFieldNotTheValue(string client, string shown)
    {
        var result = Load($"{{ client_id: ide, redirect_uris: [\"https://ide.example/cb\"] }}, {client}");

        Assert.Contains(result.Errors, e => e.Message.Contains(shown, StringComparison.Ordinal));
        AssertNeverQuoted(result);
    }

    [Fact]
    public void LoadTenantText_ClientListedTwice_ErrorNamesBothPlacesNotTheClientId()
    {
        var client = $"{{ client_id: \"{Pasted}\", redirect_uris: [\"https://ide.example/cb\"] }}";

        var result = Load($"{client}, {client}");

        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.DuplicateId, error.Code);
        Assert.Contains("interactive.clients[1].client_id is the one of agent 'a' interactive.clients[0]", error.Message, StringComparison.Ordinal);
        AssertNeverQuoted(result);
    }

    private static TenantLoadResult Load(string clients) => PolicyBundleLoader.LoadTenantText("t1.yaml", $$"""
        tenant: t1
        workspaces: [w]
        openid_provider: { issuer: "https://login.example.com/realms/acme", audiences: [gw], client_id: gw, client_secret: "env:OIDC_CLIENT_SECRET" }
        catalog:
          - { name: wiki.read, kind: http, action_type: read, upstream: "https://wiki.example.com/api" }
        agents:
          - id: a
            human_owner: hugo
            security_owner: bob
            atf_level: L3
            permissions: [{ tool: wiki.read }]
            interactive: { workspace: w, people: [alice], clients: [{{clients}}] }
        """, Path.GetTempPath());

    private static void AssertNeverQuoted(TenantLoadResult result) =>
        Assert.DoesNotContain(Pasted, string.Join('\n', result.Errors.Select(static e => e.ToString())), StringComparison.Ordinal);
}
