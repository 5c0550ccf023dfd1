using Gateway.Proxy.Hosting;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// <c>Gateway:ForwardedHeaders:KnownNetworks</c> refuses a network wider than an IPv4 /8 or IPv6 /16 (IPv4-mapped IPv6
/// counted as the IPv4 range it maps): every client in it could set its own <c>X-Forwarded-For</c>.
/// </summary>
public sealed class TrustedProxyOptionsValidatorTests
{
    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("::/0")]
    [InlineData("0.0.0.0/1")]
    [InlineData("10.0.0.0/7")]
    [InlineData("::/15")]
    [InlineData("::ffff:0:0/96")]
    [InlineData("::/80")]
    [InlineData("::ffff:0.0.0.0/100")]
    public void Validate_NetworkCoveringEveryAddress_IsRefused(string network)
    {
        var result = new TrustedProxyOptionsValidator().Validate(null, new TrustedProxyOptions { KnownNetworks = [network] });

        Assert.True(result.Failed);
        Assert.Contains($"KnownNetworks entry '{network}' is wider than an IPv4 /8 or IPv6 /16", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("192.168.1.0/24")]
    [InlineData("10.1.2.3/32")]
    [InlineData("fd00::/16")]
    [InlineData("2001:db8::/32")]
    [InlineData("::ffff:10.0.0.0/104")]
    public void Validate_PodOrProxyNetwork_IsAccepted(string network)
    {
        Assert.True(new TrustedProxyOptionsValidator().Validate(null, new TrustedProxyOptions { KnownNetworks = [network] }).Succeeded);
    }
}
