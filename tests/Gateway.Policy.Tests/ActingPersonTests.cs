using System.Text.Json;
using Gateway.Policy.Bundles;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tests;

/// <summary>
/// The person an agent acts for, in the policy: the tenant's <c>openid_provider</c> and a catalog entry's <c>person</c> as
/// read and validated from a bundle, rules matching on <c>person</c> and <c>person_groups</c>, and the explanation naming
/// the person.
/// </summary>
public sealed class ActingPersonTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        openid_provider:
          issuer: https://login.example.com/realms/acme
          audiences: [gamut-gateway, gamut-gateway-2]
          groups_claim: roles
          client_id: gamut-gateway
          client_secret: env:OIDC_CLIENT_SECRET
        approvers: [{ id: bob }]
        catalog:
          - { name: crm.read, kind: http, action_type: read, upstream: "https://crm.example.com/api", person: { credential: token_exchange, audience: crm-api, scope: "crm.read" } }
          - { name: files.read, kind: http, action_type: read, upstream: "https://files.example.com/api", person: { credential: vault, vault_prefix: files } }
          - { name: wiki.read, kind: http, action_type: read, upstream: "https://wiki.example.com/api" }
        agents:
          - id: a
            human_owner: hugo
            security_owner: bob
            atf_level: L3
            permissions: [{ tool: crm.read }, { tool: files.read }, { tool: wiki.read }]
        rules:
          - id: contractors-no-crm
            match: { tools: [crm.read], person_groups: [contractors] }
            effect: block
            reason: contractors_may_not_read_crm
          - id: wiki-only-for-people
            match: { tools: [wiki.read], not: { person: "*" } }
            effect: block
            reason: wiki_needs_a_person
          - id: files-admins-of-acme
            match: { tools: [files.read], person: ["*@admin.acme.example"] }
            effect: require_approval
            reason: admin_file_access
            approvers: [bob]
        """;

    private static readonly ActingPerson Employee = new("erin@acme.example", "https://login.example.com/realms/acme", ["staff", "sales"]);
    private static readonly ActingPerson Contractor = new("carl@acme.example", "https://login.example.com/realms/acme", ["contractors"]);
    private static readonly ActingPerson Admin = new("root@admin.acme.example", "https://login.example.com/realms/acme", []);

    [Fact]
    public void LoadTenantText_OpenIdProviderAndPerson_AreRead()
    {
        var tenant = Load(Tenant);

        var provider = tenant.Register.OpenIdProvider!;
        Assert.Equal("https://login.example.com/realms/acme", provider.IssuerText);
        Assert.Equal(["gamut-gateway", "gamut-gateway-2"], provider.Audiences);
        Assert.Equal("roles", provider.GroupsClaim);
        Assert.Equal("gamut-gateway", provider.ClientId);
        Assert.Equal("env:OIDC_CLIENT_SECRET", provider.ClientSecret!.ToString());
        Assert.Equal(new Uri("https://login.example.com/realms/acme/.well-known/openid-configuration"), provider.DiscoveryDocument);
        Assert.True(tenant.TryGetCatalogEntry("crm.read", out var crm));
        Assert.Equal(new PersonRequirement { Credential = PersonCredential.TokenExchange, Audience = "crm-api", Scope = "crm.read" }, crm!.Person);
        Assert.True(tenant.TryGetCatalogEntry("files.read", out var files));
        Assert.Equal(PersonCredential.Vault, files!.Person!.Credential);
        Assert.Equal("files", files.Person.VaultPrefix);
        Assert.True(tenant.TryGetCatalogEntry("wiki.read", out var wiki));
        Assert.Null(wiki!.Person);
    }

    [Fact]
    public void Schema_TenantWithProviderPersonAndPersonRules_IsValid()
    {
        Assert.Empty(BundleSchemaTests.Validate(Tenant));
        Assert.NotEmpty(BundleSchemaTests.Validate(Tenant.Replace("groups_claim: roles", "groups_claim: roles\n  jwks_uri: x", StringComparison.Ordinal)));
        Assert.NotEmpty(BundleSchemaTests.Validate(Tenant.Replace("credential: vault,", "credential: passport,", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("issuer: http://login.example.com", "invalid_url")]
    [InlineData("issuer: https://login.example.com/?x=1", "invalid_url")]
    [InlineData("issuer: not a url", "invalid_url")]
    [InlineData("groups_claim: \"a b\"", "invalid_value")]
    [InlineData("audiences: []", "missing_required")]
    [InlineData("client_secret: env:X", "missing_required")]
    [InlineData("extra: 1", "unknown_key")]
    public void LoadTenantText_BadOpenIdProvider_IsRefusedWithItsCode(string line, string code)
    {
        var key = line[..line.IndexOf(':', StringComparison.Ordinal)];
        var provider = new Dictionary<string, string>
        {
            ["issuer"] = "issuer: https://login.example.com",
            ["audiences"] = "audiences: [gw]",
        };
        provider[key] = line;
        var yaml = "tenant: t1\nworkspaces: [w]\nopenid_provider:\n" + string.Join('\n', provider.Values.Select(v => "  " + v)) + "\n";

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == code);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("http://localhost:5000")]
    [InlineData("http://[::1]:5000/realm")]
    public void LoadTenantText_HttpIssuerOnLoopback_IsAccepted(string issuer)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", $"tenant: t1\nworkspaces: [w]\nopenid_provider: {{ issuer: \"{issuer}\", audiences: [gw] }}\n", Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.Equal(issuer, result.Tenant!.Register.OpenIdProvider!.IssuerText);
    }

    [Theory]
    [InlineData("{ credential: token_exchange }", "missing_required")]
    [InlineData("{ credential: vault }", "missing_required")]
    [InlineData("{ credential: vault, vault_prefix: \"a/b\" }", "missing_required")]
    [InlineData("{ credential: none, audience: x }", "invalid_value")]
    [InlineData("{ credential: token_exchange, audience: x, vault_prefix: p }", "invalid_value")]
    [InlineData("{ credential: passport }", "invalid_value")]
    [InlineData("{ credential: token_exchange, resource: \"rel/ative\" }", "invalid_url")]
    public void LoadTenantText_BadPersonRequirement_IsRefusedWithItsCode(string person, string code)
    {
        var yaml = $"""
            tenant: t1
            workspaces: [w]
            openid_provider: {"{"} issuer: "https://login.example.com", audiences: [gw], client_id: gw, client_secret: env:S {"}"}
            catalog:
              - {"{"} name: c, kind: http, action_type: read, upstream: "https://c.example.com", person: {person} {"}"}
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == code);
    }

    [Fact]
    public void LoadTenantText_PersonWithoutProvider_IsADanglingReference()
    {
        const string yaml = """
            tenant: t1
            workspaces: [w]
            catalog:
              - { name: c, kind: http, action_type: read, upstream: "https://c.example.com", person: { credential: none } }
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal("dangling_reference", error.Code);
        Assert.Contains("openid_provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTenantText_TokenExchangeWithoutClient_IsADanglingReference()
    {
        const string yaml = """
            tenant: t1
            workspaces: [w]
            openid_provider: { issuer: "https://login.example.com", audiences: [gw] }
            catalog:
              - { name: c, kind: http, action_type: read, upstream: "https://c.example.com", person: { credential: token_exchange, audience: c } }
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal("dangling_reference", error.Code);
        Assert.Contains("client_id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTenantText_EmptyPersonCondition_IsRefused()
    {
        var yaml = Tenant.Replace("person_groups: [contractors]", "person_groups: []", StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == "missing_required" && e.Message.Contains("person_groups", StringComparison.Ordinal));
    }

    /// <summary>
    /// crm.read: contractors are blocked by <c>person_groups</c>, without a person the group cannot hold; wiki.read: the
    /// <c>not: { person: "*" }</c> rule blocks a request without a person; files.read: the subject glob covers the admin only.
    /// </summary>
    [Theory]
    [InlineData("crm.read", "contractor", DecisionKind.Block)]
    [InlineData("crm.read", "employee", DecisionKind.Allow)]
    [InlineData("crm.read", null, DecisionKind.Allow)]
    [InlineData("wiki.read", null, DecisionKind.Block)]
    [InlineData("wiki.read", "contractor", DecisionKind.Allow)]
    [InlineData("files.read", "admin", DecisionKind.RequireApproval)]
    [InlineData("files.read", "employee", DecisionKind.Allow)]
    [InlineData("files.read", null, DecisionKind.Allow)]
    public void Evaluate_PersonAndPersonGroupsRules_MatchOnlyThePeopleTheyName(string tool, string? who, DecisionKind expected)
    {
        var person = who switch
        {
            "contractor" => Contractor,
            "employee" => Employee,
            "admin" => Admin,
            _ => null,
        };

        Assert.Equal(expected, Evaluate(Load(Tenant), tool, person).Kind);
    }

    [Fact]
    public void Evaluate_PersonGroupsRule_NamesTheRuleThatMatched()
    {
        var decision = Evaluate(Load(Tenant), "crm.read", Contractor);

        var trigger = Assert.Single(decision.Explanation.RuleTriggers);
        Assert.Equal("contractors-no-crm", trigger.Rule);
        Assert.Equal("contractors_may_not_read_crm", trigger.ReasonCode);
    }

    [Fact]
    public void Evaluate_WithAPerson_ExplanationNamesThePerson()
    {
        var decision = Evaluate(Load(Tenant), "crm.read", Employee);

        var json = JsonSerializer.SerializeToElement(decision.Explanation, PolicyJsonContext.Default.Explanation);
        var person = json.GetProperty("person");
        Assert.Equal("erin@acme.example", person.GetProperty("subject").GetString());
        Assert.Equal("https://login.example.com/realms/acme", person.GetProperty("issuer").GetString());
        Assert.Equal(["staff", "sales"], person.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Same(Employee, decision.Descriptor!.Person);
    }

    [Fact]
    public void WithWarrant_ApprovedForOnePerson_DoesNotLiftAnotherPersonsSameRequest()
    {
        var tenant = Load(Tenant);
        var otherAdmin = new ActingPerson("ops@admin.acme.example", Admin.Issuer, []);
        var approved = Evaluate(tenant, "files.read", Admin);

        var other = Evaluate(tenant, "files.read", otherAdmin).WithWarrant(approved.IntentDigest);

        Assert.NotEqual(approved.IntentDigest, other.IntentDigest);
        Assert.Equal(DecisionKind.RequireApproval, other.Kind);
        Assert.Equal(DecisionKind.AllowAndLog, approved.WithWarrant(approved.IntentDigest).Kind);
    }

    [Fact]
    public void Evaluate_WithoutAPerson_ExplanationHasNoPersonMember()
    {
        var decision = Evaluate(Load(Tenant), "crm.read", person: null);

        var json = JsonSerializer.SerializeToElement(decision.Explanation, PolicyJsonContext.Default.Explanation);
        Assert.False(json.TryGetProperty("person", out _));
    }

    private static TenantPolicy Load(string yaml)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return result.Tenant!;
    }

    private static Decision Evaluate(TenantPolicy tenant, string tool, ActingPerson? person) =>
        DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "a") { Person = person }, new ActionRequest { Tool = tool });
}
