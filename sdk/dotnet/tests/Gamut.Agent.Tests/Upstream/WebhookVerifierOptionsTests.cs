using Gamut.Agent.Upstream;

namespace Gamut.Agent.Tests.Upstream;

/// <summary><see cref="WebhookVerifierOptions.Validate"/>: a nonce must be remembered longer than the whole timestamp window.</summary>
public sealed class WebhookVerifierOptionsTests
{
    [Fact]
    public void Validate_RetentionEqualToTwiceTheSkew_IsAnError()
    {
        var errors = new WebhookVerifierOptions { MaxClockSkew = TimeSpan.FromSeconds(300), NonceRetention = TimeSpan.FromSeconds(600) }.Validate();

        Assert.Contains(errors, e => e.Contains("nonce retention", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Defaults_AreValid() => Assert.Empty(new WebhookVerifierOptions().Validate());
}
