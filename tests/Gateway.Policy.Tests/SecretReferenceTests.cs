namespace Gateway.Policy.Tests;

public sealed class SecretReferenceTests
{
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
}
