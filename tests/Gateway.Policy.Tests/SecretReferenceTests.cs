using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

public sealed class SecretReferenceTests
{
    private const string Pasted = "sk-live-4f9a8b7c6d5e";

    [Theory]
    [InlineData("vault:openai-key")]
    [InlineData("env:TICKETS_TOKEN")]
    [InlineData("file:secrets/demo-agent.secret")]
    [InlineData("none")]
    public void ToString_RoundTripsTheSchemeAsWritten(string text)
    {
        Assert.True(SecretReference.TryParse(text, baseDirectory: null, out var reference));

        Assert.Equal(text, reference!.ToString());
    }

    [Fact]
    public void TryParse_UnknownScheme_IsRefused()
    {
        Assert.False(SecretReference.TryParse("environment:TOKEN", baseDirectory: null, out _));
    }

    [Fact]
    public void TryParse_FileAgainstTheBundleDirectory_IsResolvedThereAndNormalised()
    {
        Assert.True(SecretReference.TryParse("file:../secrets/./a.secret", "/srv/bundle", out var reference));

        Assert.Equal(("../secrets/./a.secret", "/srv/secrets/a.secret"), (reference!.Name, reference.ResolvedPath));
    }

    [Fact]
    public void LoadTenantText_RelativeBundleDirectory_IsRefusedRatherThanResolvedAgainstTheCurrentDirectory()
    {
        var error = Assert.Throws<ArgumentException>(() => Bundles.PolicyBundleLoader.LoadTenantText("t1.yaml", "tenant: t1\nworkspaces: [w]\n", "bundle"));

        Assert.Contains("'bundle' is not an absolute path", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("agents:\n  - { id: a, secret: \"sk-live-4f9a8b7c6d5e\" }", "agent.secret")]
    [InlineData("agents:\n  - { id: a, secret: \"env:sk-live-4f9a8b7c6d5e\" }", "agent.secret")]
    [InlineData("agents:\n  - { id: a, secret: \"vault:a\", next_secret: \"Bearer:sk-live-4f9a8b7c6d5e\" }", "agent.next_secret")]
    [InlineData("catalog:\n  - { name: c, kind: http, action_type: read, upstream: \"http://127.0.0.1:9110\", credential: \"sk-live-4f9a8b7c6d5e\" }", "credential")]
    [InlineData("openid_provider: { issuer: \"https://login.example.com\", audiences: [gw], client_id: gw, client_secret: \"sk-live-4f9a8b7c6d5e\" }", "openid_provider.client_secret")]
    [InlineData("catalog:\n  - { name: c, kind: http, action_type: read, upstream: \"http://127.0.0.1:9110\", person: { credential: per_person, authorization_server: \"https://a.example\", client: { id: x, secret: \"sk-live-4f9a8b7c6d5e\" } } }", "client.secret")]
    public void LoadTenantText_LiteralSecretWhereItsReferenceBelongs_IsRefusedNamingTheFieldNeverTheValue(string section, string field)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", "tenant: t1\nworkspaces: [w]\n" + section + "\n", Path.GetTempPath());

        var error = Assert.Single(result.Errors, static e => e.Code == "invalid_reference");
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Pasted, string.Join('\n', result.Errors.Select(static e => e.ToString() + " " + e.Message)), StringComparison.Ordinal);
    }
}
