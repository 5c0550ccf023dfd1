using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// An agent's <c>interactive:</c> block as read from a bundle: people, groups, clients with their redirect URIs, the
/// workspace and the longest session; refused without a provider client to sign people in with, with a workspace the
/// tenant does not have, with a plain-http redirect URI off loopback, or with nobody allowed; valid under the schema.
/// </summary>
public sealed class InteractiveAccessTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        openid_provider:
          issuer: https://login.example.com/realms/acme
          audiences: [gamut-gateway]
          client_id: gamut-gateway
          client_secret: env:OIDC_CLIENT_SECRET
        catalog:
          - { name: wiki.read, kind: http, action_type: read, upstream: "https://wiki.example.com/api" }
        agents:
          - id: a
            human_owner: hugo
            security_owner: bob
            atf_level: L3
            permissions: [{ tool: wiki.read }]
            interactive:
              workspace: w
              people: [alice]
              groups: [engineers]
              max_session: 12h
              clients:
                - { client_id: ide, redirect_uris: ["http://127.0.0.1/callback", "https://ide.example/cb"] }
                - { client_id: "https://ide.example/oauth/client.json" }
        """;

    [Fact]
    public void LoadTenantText_InteractiveBlock_IsRead()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetAgent("a", out var agent));
        var interactive = agent!.Interactive!;
        Assert.Equal("w", interactive.Workspace);
        Assert.Equal(TimeSpan.FromHours(12), interactive.MaxSession);
        Assert.Equal(["http://127.0.0.1/callback", "https://ide.example/cb"], interactive.Client("ide")!.RedirectUris);
        Assert.Null(interactive.Client("other"));
        Assert.False(interactive.Client("ide")!.IsMetadataDocument);
        Assert.True(interactive.Client("https://ide.example/oauth/client.json")!.IsMetadataDocument);
        Assert.True(interactive.Allows(new ActingPerson("alice", "i", [])));
        Assert.True(interactive.Allows(new ActingPerson("erin", "i", ["engineers"])));
        Assert.False(interactive.Allows(new ActingPerson("mallory", "i", ["sales"])));
    }

    [Theory]
    [InlineData("  client_id: gamut-gateway\n  client_secret: env:OIDC_CLIENT_SECRET\n", "", "openid_provider names no client_id")]
    [InlineData("workspace: w\n", "workspace: elsewhere\n", "is not one of the tenant's workspaces")]
    [InlineData("https://ide.example/cb", "http://ide.example/cb", "plain http only on a loopback host")]
    [InlineData("      people: [alice]\n      groups: [engineers]\n", "", "needs people or groups")]
    [InlineData("max_session: 12h", "max_session: 31d", "at most 30d")]
    [InlineData("https://ide.example/oauth/client.json", "https://ide.example", "needs redirect_uris, or a client_id that is a client ID metadata document's")]
    [InlineData("https://ide.example/oauth/client.json", "ide-2", "needs redirect_uris")]
    public void LoadTenantText_InteractiveBlockWrong_IsRefused(string from, string to, string message)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant.Replace(from, to, StringComparison.Ordinal), Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadTenantText_DynamicRegistrationWithoutClients_IsReadAndWithoutItClientsAreRequired()
    {
        var withoutClients = Tenant[..Tenant.IndexOf("      clients:", StringComparison.Ordinal)];

        var dynamic = PolicyBundleLoader.LoadTenantText("t1.yaml", withoutClients + "      dynamic_registration: true\n", Path.GetTempPath());
        var missing = PolicyBundleLoader.LoadTenantText("t1.yaml", withoutClients, Path.GetTempPath());

        Assert.Empty(dynamic.Errors);
        Assert.True(dynamic.Tenant!.TryGetAgent("a", out var agent));
        Assert.True(agent!.Interactive!.DynamicRegistration);
        Assert.Empty(agent.Interactive.Clients);
        Assert.Contains(missing.Errors, e => e.Message.Contains("clients", StringComparison.Ordinal));
        Assert.Empty(BundleSchemaTests.Validate(withoutClients + "      dynamic_registration: true\n"));
    }

    [Fact]
    public void LoadTenantText_Scopes_AreReadAndCoverTheToolsNamedUnderThem()
    {
        var text = Tenant.Replace("max_session: 12h", "max_session: 12h\n      scopes: { wiki: [wiki], \"read:all\": [wiki.read, docs] }", StringComparison.Ordinal)
            .Replace("agents:", "  - { name: docs.search, kind: http, action_type: read, upstream: \"https://docs.example.com/api\" }\nagents:", StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetAgent("a", out var agent));
        var interactive = agent!.Interactive!;
        Assert.Equal(["wiki", "read:all"], interactive.Scopes.Select(s => s.Name));
        Assert.Equal(["wiki", "read:all"], interactive.ScopesFor("wiki.read"));
        Assert.Equal(["read:all"], interactive.ScopesFor("docs.search"));
        Assert.Empty(interactive.ScopesFor("wikipedia.read"));
        Assert.Equal(["wiki"], interactive.Declared(["openid", "wiki", "wiki"]));
        Assert.Empty(BundleSchemaTests.Validate(text));
    }

    [Theory]
    [InlineData("{ \"has space\": [wiki] }", "not an OAuth scope token")]
    [InlineData("{ wiki: [] }", "must list at least one tool")]
    [InlineData("[wiki]", "must be a mapping of scope names to tool lists")]
    public void LoadTenantText_ScopesWrong_AreRefused(string scopes, string message)
    {
        var text = Tenant.Replace("max_session: 12h", "max_session: 12h\n      scopes: " + scopes, StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
        Assert.NotEmpty(BundleSchemaTests.Validate(text));
    }

    /// <summary>An invalid scope name may be anything (a pasted token, terminal escapes, 10,000 characters): the error names its place, never its text.</summary>
    [Theory]
    [InlineData("sk_live_0123456789abcdef0123456789 x", "sk_live_0123456789abcdef0123456789")]
    [InlineData("\\e[31mred\\e[0m scope", "[31mred")]
    public void LoadTenantText_ScopeNameNotAToken_ErrorDoesNotQuoteIt(string name, string part)
    {
        var text = Tenant.Replace("max_session: 12h", "max_session: 12h\n      scopes: { \"" + name + "\": [wiki] }", StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());

        var error = Assert.Single(result.Errors, e => e.Message.Contains("OAuth scope token", StringComparison.Ordinal));
        Assert.DoesNotContain(part, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A scope naming no catalog entry (<c>payment.refund</c> for <c>payments.refund</c>) would cover nothing, leaving the tool needing no consent.</summary>
    [Theory]
    [InlineData("{ wiki: [wiki.raed] }", "wiki.raed")]
    [InlineData("{ wiki: [wiki.read], payments: [payment.refund] }", "payment.refund")]
    [InlineData("{ wiki: [wik] }", "wik")]
    [InlineData("{ wiki: [wiki.read.all] }", "wiki.read.all")]
    public void Load_ScopeNamingUnknownTool_IsRefused(string scopes, string tool)
    {
        var text = Tenant.Replace("max_session: 12h", "max_session: 12h\n      scopes: " + scopes, StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.DanglingReference, error.Code);
        Assert.Contains($"'{tool}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTenantText_DevelopmentAdminTokenSignIn_NeedsNoProviderAndAllowsOnlyAdminTokenPeople()
    {
        var text = Tenant[..Tenant.IndexOf("openid_provider:", StringComparison.Ordinal)]
            + Tenant[Tenant.IndexOf("catalog:", StringComparison.Ordinal)..]
                .Replace("      people: [alice]\n", "      sign_in: development_admin_token\n      people: [\"admin-token:bootstrap\"]\n", StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());
        var provider = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetAgent("a", out var agent));
        var interactive = agent!.Interactive!;
        Assert.Equal(InteractiveSignIn.DevelopmentAdminToken, interactive.SignIn);
        Assert.True(interactive.Allows(new ActingPerson("admin-token:bootstrap", InteractiveAccess.AdminTokenIssuer, [])));
        Assert.False(interactive.Allows(new ActingPerson("admin-token:bootstrap", "https://login.example.com/realms/acme", [])));
        Assert.False(interactive.Allows(new ActingPerson("erin", "https://login.example.com/realms/acme", ["engineers"])));
        Assert.True(provider.Tenant!.TryGetAgent("a", out var providerAgent));
        Assert.Equal(InteractiveSignIn.OpenIdProvider, providerAgent!.Interactive!.SignIn);
        Assert.False(providerAgent.Interactive.Allows(new ActingPerson("alice", InteractiveAccess.AdminTokenIssuer, [])));
        Assert.Empty(BundleSchemaTests.Validate(text));
    }

    [Fact]
    public void LoadTenantText_SignInUnknown_IsRefused()
    {
        var text = Tenant.Replace("      people: [alice]\n", "      sign_in: password\n      people: [alice]\n", StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == "invalid_value" && e.Message.Contains("development_admin_token", StringComparison.Ordinal));
        Assert.NotEmpty(BundleSchemaTests.Validate(text));
    }

    [Fact]
    public void Schema_InteractiveBlock_IsValidAndAnUnknownKeyIsNot()
    {
        Assert.Empty(BundleSchemaTests.Validate(Tenant));
        Assert.NotEmpty(BundleSchemaTests.Validate(Tenant.Replace("max_session: 12h", "max_session: 12h\n      secret: x", StringComparison.Ordinal)));
    }
}
