using Gateway.Proxy.A2a;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>The egress rule for an A2A push-notification webhook: internal addresses and local names refused, public ones let through.</summary>
public sealed class A2aWebhookAddressTests
{
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.0.0.8/hook")]
    [InlineData("https://172.20.1.1/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://127.0.0.1:8443/hook")]
    [InlineData("https://100.64.0.1/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://[::ffff:169.254.169.254]/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://api.localhost/hook")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("https://user:pw@example.com/hook")]
    [InlineData("/relative/hook")]
    public void RefusalOf_InternalOrMalformed_IsRefused(string url) =>
        Assert.NotNull(A2aWebhookAddress.RefusalOf(url));

    [Theory]
    [InlineData("https://hooks.example.com/a2a/notify")]
    [InlineData("https://203.0.113.7/hook")]
    [InlineData("https://[2001:db8::1]/hook")]
    public void RefusalOf_PublicAddress_IsAllowed(string url) =>
        Assert.Null(A2aWebhookAddress.RefusalOf(url));

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.0.0.8/hook")]
    public void RefusalOf_InternalAddressTheConnectorAllows_IsAllowed(string url) =>
        Assert.Null(A2aWebhookAddress.RefusalOf(url, allowInternal: true));

    [Fact]
    public void RefusalOf_MalformedUrlTheConnectorAllowsInternal_IsStillRefused() =>
        Assert.NotNull(A2aWebhookAddress.RefusalOf("file:///etc/passwd", allowInternal: true));
}
