using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A connector that acts as the person's own upstream account (<c>person: { credential: per_person, … }</c>): the upstream's
/// authorization server, the gateway's client there (pre-registered with a vault secret, a client metadata document, or
/// dynamic registration), the scopes and resource, read and validated from a bundle, for mcp and http connectors only.
/// </summary>
public sealed class PerPersonCredentialTests
{
    [Fact]
    public void LoadTenantText_PerPersonWithPreRegisteredClient_IsReadWhole()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant("http", """
            { credential: per_person, authorization_server: "https://auth.tracker.example", client: { id: gamut, secret: "vault:tracker-client" }, scopes: [issues.read, offline_access], resource: "https://api.tracker.example/" }
            """), Path.GetTempPath());

        Assert.Empty(result.Errors);
        var person = Assert.Single(result.Tenant!.Register.Catalog).Person!;
        Assert.Equal(PersonCredential.PerPerson, person.Credential);
        Assert.Equal("https://auth.tracker.example", person.AuthorizationServerText);
        Assert.Equal(new Uri("https://auth.tracker.example"), person.AuthorizationServer);
        Assert.Equal("gamut", person.Client!.Id);
        Assert.Equal(SecretSource.Vault, person.Client.Secret!.Source);
        Assert.Equal(["issues.read", "offline_access"], person.Scopes);
        Assert.Equal(new Uri("https://api.tracker.example/"), person.Resource);
        Assert.False(person.TokenExchange);
    }

    [Theory]
    [InlineData("mcp", "{ metadata_document: true }")]
    [InlineData("http", "{ dynamic: true }")]
    [InlineData("mcp", "{ id: public-client }")]
    public void LoadTenantText_PerPersonOnMcpOrHttpWithAnyOneClient_IsAccepted(string kind, string client)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml",
            Tenant(kind, $"{{ credential: per_person, authorization_server: \"http://127.0.0.1:9000\", client: {client}, token_exchange: true }}"), Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(Assert.Single(result.Tenant!.Register.Catalog).Person!.TokenExchange);
    }

    [Theory]
    [InlineData("{ credential: per_person, client: { dynamic: true } }", "missing_required")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\" }", "missing_required")]
    [InlineData("{ credential: per_person, authorization_server: \"http://auth.example\", client: { dynamic: true } }", "invalid_url")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example/?x=1\", client: { dynamic: true } }", "invalid_url")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { } }", "missing_required")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { id: x, dynamic: true } }", "missing_required")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { id: x, secret: \"env:X\" } }", "invalid_reference")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { dynamic: true, secret: \"vault:x\" } }", "invalid_value")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { dynamic: true }, scopes: [\"a b\"] }", "invalid_value")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { dynamic: true }, audience: x }", "invalid_value")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { dynamic: true }, vault_prefix: p }", "invalid_value")]
    [InlineData("{ credential: token_exchange, audience: x, authorization_server: \"https://a.example\" }", "invalid_value")]
    [InlineData("{ credential: vault, vault_prefix: p, scopes: [a] }", "invalid_value")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { dynamic: true, surprise: 1 } }", "unknown_key")]
    public void LoadTenantText_BadPerPerson_IsRefusedWithItsCode(string person, string code)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant("http", person), Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == code);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData(", delegated: false", false)]
    [InlineData(", delegated: true", true)]
    public void LoadTenantText_PerPersonDelegated_IsReadAndDefaultsToFalse(string delegated, bool expected)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml",
            Tenant("mcp", $"{{ credential: per_person, authorization_server: \"https://a.example\", client: {{ dynamic: true }}{delegated} }}"), Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.Equal(expected, Assert.Single(result.Tenant!.Register.Catalog).Person!.Delegated);
    }

    [Theory]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { dynamic: true }, delegated: yes }", "wrong_type")]
    [InlineData("{ credential: per_person, authorization_server: \"https://a.example\", client: { dynamic: true }, delegated: \"true\" }", "wrong_type")]
    [InlineData("{ credential: vault, vault_prefix: p, delegated: true }", "invalid_value")]
    public void LoadTenantText_BadDelegated_IsRefusedWithItsCode(string person, string code)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant("http", person), Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == code && e.Message.Contains("delegated", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadTenantText_PerPersonOnAModelConnector_IsRefused()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml",
            Tenant("openai", "{ credential: per_person, authorization_server: \"https://a.example\", client: { dynamic: true } }"), Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == "invalid_value" && e.Message.Contains("mcp or http", StringComparison.Ordinal));
    }

    private static string Tenant(string kind, string person) => $"""
        tenant: t1
        workspaces: [w]
        openid_provider: {"{"} issuer: "https://login.example.com", audiences: [gw] {"}"}
        catalog:
          - {"{"} name: c, kind: {kind}, action_type: read, upstream: "https://c.example.com", person: {person} {"}"}
        """;
}
