using Gamut.Agent.Upstream;

namespace Gamut.Agent.Tests.Upstream;

/// <summary><see cref="WebhookVerifierOptions.Validate"/>: a nonce must be remembered longer than the whole timestamp window.</summary>
public sealed class WebhookVerifierOptionsTests
{
    [Fact]
    public void Validate_RetentionExactlyTwiceTheSkew_IsAcceptedAndRetainedWithTheMargin()
    {
        // 600 s was valid before the margin: an integrator who set it still starts, and nonces are kept 605 s.
        var options = new WebhookVerifierOptions { MaxClockSkew = TimeSpan.FromSeconds(300), NonceRetention = TimeSpan.FromSeconds(600) };

        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromSeconds(605), options.AppliedNonceRetention);
    }

    [Fact]
    public void Validate_RetentionShorterThanTwiceTheSkew_IsAnError()
    {
        var errors = new WebhookVerifierOptions { MaxClockSkew = TimeSpan.FromSeconds(300), NonceRetention = TimeSpan.FromSeconds(599) }.Validate();

        Assert.Contains(errors, e => e.Contains("nonce retention", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Defaults_AreValid() => Assert.Empty(new WebhookVerifierOptions().Validate());
}
