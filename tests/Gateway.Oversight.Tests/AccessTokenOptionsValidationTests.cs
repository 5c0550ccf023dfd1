using Gateway.Oversight.AccessTokens;

namespace Gateway.Oversight.Tests;

/// <summary><c>Gateway:AccessTokens</c> is refused at start-up when a token could outlive its bound or a URL would be misspelled under it.</summary>
public sealed class AccessTokenOptionsValidationTests
{
    [Theory]
    [InlineData("https://gateway.example.com/")]
    [InlineData("https://gateway.example.com/base")]
    [InlineData("https://gateway.example.com?x=1")]
    [InlineData("ftp://gateway.example.com")]
    [InlineData("gateway.example.com")]
    public void Validate_PublicBaseUrlThatIsNotAnOrigin_IsRefused(string url)
    {
        var result = new AccessTokenOptionsValidator().Validate(null, new AccessTokenOptions { PublicBaseUrl = url });

        Assert.True(result.Failed);
    }

    [Fact]
    public void Validate_LifetimeOutOfBoundsAndBadUrl_ReportsEveryError()
    {
        var result = new AccessTokenOptionsValidator().Validate(null, new AccessTokenOptions { PublicBaseUrl = "https://x/", Lifetime = TimeSpan.FromHours(2) });

        Assert.Equal(2, result.Failures!.Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://gateway.example.com")]
    [InlineData("http://127.0.0.1:8080")]
    public void Validate_EmptyOrAnOrigin_IsAccepted(string url)
    {
        Assert.False(new AccessTokenOptionsValidator().Validate(null, new AccessTokenOptions { PublicBaseUrl = url }).Failed);
    }
}
