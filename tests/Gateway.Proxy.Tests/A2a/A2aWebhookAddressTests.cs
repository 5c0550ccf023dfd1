using Gateway.Proxy.A2a;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// The egress rule for an A2A push-notification webhook: internal and reserved addresses (IANA's special-purpose blocks,
/// multicast, broadcast, and the IPv6 forms embedding an internal IPv4), local names and URLs parsers may read otherwise
/// refused; public ones let through.
/// </summary>
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
    [InlineData("https://[64:ff9b::a9fe:a9fe]/hook")]
    [InlineData("https://[64:ff9b::7f00:1]/hook")]
    [InlineData("https://[64:ff9b::10.0.0.1]/hook")]
    [InlineData("https://[64:ff9b:1::808:808]/hook")]
    [InlineData("https://[2002:7f00:1::]/hook")]
    [InlineData("https://[2002:a9fe:a9fe::1]/hook")]
    [InlineData("https://[::127.0.0.1]/hook")]
    [InlineData("https://[::8.8.8.8]/hook")]
    [InlineData("https://[::ffff:0:a9fe:a9fe]/hook")]
    [InlineData("https://198.18.0.1/hook")]
    [InlineData("https://198.19.255.254/hook")]
    [InlineData("https://224.0.0.1/hook")]
    [InlineData("https://239.255.255.250/hook")]
    [InlineData("https://255.255.255.255/hook")]
    [InlineData("https://240.0.0.1/hook")]
    [InlineData("https://192.0.0.8/hook")]
    [InlineData("https://192.0.2.1/hook")]
    [InlineData("https://198.51.100.1/hook")]
    [InlineData("https://203.0.113.7/hook")]
    [InlineData("https://192.88.99.1/hook")]
    [InlineData("https://[ff02::1]/hook")]
    [InlineData("https://[fec0::1]/hook")]
    [InlineData("https://[100::1]/hook")]
    [InlineData("https://[2001::1]/hook")]
    [InlineData("https://[2001:2::1]/hook")]
    [InlineData("https://[2001:db8::1]/hook")]
    [InlineData("https://[3fff::1]/hook")]
    [InlineData("https://[5f00::1]/hook")]
    public void RefusalOf_ReservedOrEmbeddingAnInternalAddress_IsRefused(string url) =>
        Assert.Contains("internal or reserved", A2aWebhookAddress.RefusalOf(url), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://hooks.example.com\\@127.0.0.1/hook")]
    [InlineData("http://127.0.0.1\\@hooks.example.com/hook")]
    [InlineData("http://%31%32%37.0.0.1/hook")]
    [InlineData("http://hooks.example.com%2F@127.0.0.1/hook")]
    [InlineData(" http://127.0.0.1/hook")]
    [InlineData("http://hooks.example.com/\nhook")]
    [InlineData("https://h\u00f6oks.example.com/hook")]
    public void RefusalOf_UrlParsersMayReadOtherwise_IsRefused(string url) =>
        Assert.Contains("printable ASCII", A2aWebhookAddress.RefusalOf(url), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://0x7f.0.0.1/hook")]
    [InlineData("http://0177.0.0.1/hook")]
    [InlineData("http://2130706433/hook")]
    [InlineData("http://127.1/hook")]
    public void RefusalOf_LoopbackWrittenInAnotherIPv4Form_IsRefused(string url) =>
        Assert.NotNull(A2aWebhookAddress.RefusalOf(url));

    [Theory]
    [InlineData("https://hooks.example.com/a2a/notify")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    [InlineData("https://[64:ff9b::808:808]/hook")]
    [InlineData("https://[2002:808:808::1]/hook")]
    [InlineData("https://hooks.example.com/a2a?to=a@b.example")]
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

    [Theory]
    [InlineData("https://other.example.com/hook")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://10.0.0.8/hook")]
    [InlineData("https://example.net/hook")]
    public void RefusalOf_HostOffTheConnectorsPushHosts_IsRefusedEvenWhereInternalIsAllowed(string url) =>
        Assert.Contains("push_hosts", A2aWebhookAddress.RefusalOf(url, allowInternal: true, pushHosts: ["hooks.example.com", "*.example.net"]), StringComparison.Ordinal);

    [Theory]
    [InlineData("https://hooks.example.com/hook")]
    [InlineData("https://a.example.net:8443/hook")]
    public void RefusalOf_HostOnTheConnectorsPushHosts_IsAllowed(string url) =>
        Assert.Null(A2aWebhookAddress.RefusalOf(url, pushHosts: ["hooks.example.com", "*.example.net"]));
}
