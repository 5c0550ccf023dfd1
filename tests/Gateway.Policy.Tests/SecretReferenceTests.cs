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
}
