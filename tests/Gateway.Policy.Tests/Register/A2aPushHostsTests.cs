namespace Gateway.Policy.Tests.Register;

/// <summary>
/// An <c>a2a</c> entry's <c>push_hosts</c> (docs/a2a.md): names and <c>*.</c> domains kept in their canonical ASCII form;
/// a scheme, port, path, address or a wildcard over a top-level domain refused; a host matched exactly or under a
/// wildcard's domain, never the domain itself or a name that merely ends the same.
/// </summary>
public sealed class A2aPushHostsTests
{
    [Theory]
    [InlineData("hooks.example.com", "hooks.example.com")]
    [InlineData("Hooks.Example.COM.", "hooks.example.com")]
    [InlineData("*.hooks.example.net", "*.hooks.example.net")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("intranet", "intranet")]
    public void Canonical_HostNameOrDomainWildcard_IsKeptInItsAsciiForm(string text, string expected)
    {
        Assert.Equal(expected, A2aPushHosts.Canonical(text, out var why));
        Assert.Null(why);
    }

    [Theory]
    [InlineData("https://hooks.example.com")]
    [InlineData("hooks.example.com:443")]
    [InlineData("hooks.example.com/a2a")]
    [InlineData("user@hooks.example.com")]
    [InlineData("10.0.0.7")]
    [InlineData("[::1]")]
    [InlineData("*")]
    [InlineData("*.com")]
    [InlineData("a.*.example.com")]
    [InlineData("")]
    public void Canonical_NotAHostName_IsRefusedWithWhy(string text)
    {
        Assert.Null(A2aPushHosts.Canonical(text, out var why));
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Theory]
    [InlineData("hooks.example.com", true)]
    [InlineData("a.hooks.example.net", true)]
    [InlineData("b.a.hooks.example.net", true)]
    [InlineData("hooks.example.net", false)]
    [InlineData("evilhooks.example.net", false)]
    [InlineData("hooks.example.com.evil.example", false)]
    [InlineData("other.example.com", false)]
    public void Allows_ListedHostOrNameUnderAWildcard_Only(string host, bool allowed) =>
        Assert.Equal(allowed, A2aPushHosts.Allows(["hooks.example.com", "*.hooks.example.net"], host));

    [Fact]
    public void LoadTenantText_PushHosts_AreCanonicalOnTheEntry_AndAbsentMeansAnyHost()
    {
        const string tenant = """
            tenant: t1
            workspaces: [w]
            catalog:
              - { name: helper, kind: a2a, action_type: read, upstream: "http://127.0.0.1:9400/a2a", credential: none, push_hosts: [Hooks.Example.com, "*.hooks.example.net"] }
              - { name: closed, kind: a2a, action_type: read, upstream: "http://127.0.0.1:9401/a2a", credential: none, push_hosts: [] }
              - { name: open, kind: a2a, action_type: read, upstream: "http://127.0.0.1:9402/a2a", credential: none }
            """;

        var result = Gateway.Policy.Bundles.PolicyBundleLoader.LoadTenantText("t1.yaml", tenant, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetCatalogEntry("helper", out var helper));
        Assert.True(result.Tenant.TryGetCatalogEntry("closed", out var closed));
        Assert.True(result.Tenant.TryGetCatalogEntry("open", out var open));
        Assert.Equal(["hooks.example.com", "*.hooks.example.net"], helper!.PushHosts);
        Assert.Empty(closed!.PushHosts!);
        Assert.Null(open!.PushHosts);
    }
}
