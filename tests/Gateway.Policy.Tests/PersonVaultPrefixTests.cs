using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A vault person credential, <c>vault:&lt;vault_prefix&gt;.&lt;sub&gt;</c>, keeps to a name space of its own: a bundle
/// whose vault_prefix is, is a dot-prefix of, or has as a dot-prefix, another vault name of the tenant (a connector's
/// credential, the provider's or a per_person client's secret, an agent's secret, another entry's vault_prefix) is refused,
/// the error naming both; equal vault_prefixes and names that only share leading characters load.
/// </summary>
public sealed class PersonVaultPrefixTests
{
    [Theory]
    [InlineData("crm", "crm.svc", "people", "catalog entry 'crm' credential 'vault:crm.svc'")]
    [InlineData("crm", "crm", "people", "catalog entry 'crm' credential 'vault:crm'")]
    [InlineData("crm.people", "crm", "people", "catalog entry 'crm' credential 'vault:crm'")]
    [InlineData("CRM", "crm.svc", "people", "catalog entry 'crm' credential 'vault:crm.svc'")]
    [InlineData("oidc", "crm-token", "people", "openid_provider.client_secret 'vault:oidc.client' (line")]
    [InlineData("agents", "crm-token", "people", "agent.secret 'vault:agents.a' (line")]
    [InlineData("tracker", "crm-token", "people", "catalog entry 'tracker' person client secret 'vault:tracker.client'")]
    [InlineData("gh", "crm-token", "gh.work", "catalog entry 'wiki' person vault_prefix 'gh.work'")]
    [InlineData("gh.work", "crm-token", "gh", "catalog entry 'wiki' person vault_prefix 'gh'")]
    public void LoadTenantText_VaultPrefixOverlapsAnotherVaultName_IsRefusedNamingBoth(string prefix, string crmCredential, string wikiPrefix, string other)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant(prefix, crmCredential, wikiPrefix), Path.GetTempPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal("invalid_value", error.Code);
        Assert.Contains($"catalog entry 'notes' person vault_prefix '{prefix}' overlaps {other}", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Tenant);
    }

    [Theory]
    [InlineData("crm-people", "crm.svc", "people")]
    [InlineData("crm", "crmx.svc", "people")]
    [InlineData("crm.svc2", "crm.svc", "people")]
    [InlineData("people", "crm-token", "people")]
    [InlineData("gh", "crm-token", "ghx.work")]
    public void LoadTenantText_VaultPrefixesApartOrEqual_Load(string prefix, string crmCredential, string wikiPrefix)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant(prefix, crmCredential, wikiPrefix), Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetCatalogEntry("notes", out var notes));
        Assert.Equal(prefix, notes!.Person!.VaultPrefix);
    }

    /// <summary>A tenant with the vault names of every kind: notes' and wiki's vault_prefixes, crm's credential, and fixed others.</summary>
    private static string Tenant(string notesPrefix, string crmCredential, string wikiPrefix) => $$"""
        tenant: t1
        workspaces: [w]
        openid_provider: { issuer: "https://login.example.com", audiences: [gw], client_id: gw, client_secret: "vault:oidc.client" }
        approvers: [{ id: bob }]
        catalog:
          - { name: crm, kind: http, action_type: read, upstream: "https://crm.example.com", credential: "vault:{{crmCredential}}" }
          - { name: notes, kind: http, action_type: read, upstream: "https://notes.example.com", person: { credential: vault, vault_prefix: "{{notesPrefix}}" } }
          - { name: wiki, kind: http, action_type: read, upstream: "https://wiki.example.com", person: { credential: vault, vault_prefix: "{{wikiPrefix}}" } }
          - { name: tracker, kind: http, action_type: read, upstream: "https://tracker.example.com", person: { credential: per_person, authorization_server: "https://as.example.com", client: { id: gw, secret: "vault:tracker.client" } } }
        agents:
          - id: a
            human_owner: hugo
            security_owner: bob
            atf_level: L3
            secret: "vault:agents.a"
            permissions: [{ tool: crm }, { tool: notes }, { tool: wiki }, { tool: tracker }]
        """;
}
