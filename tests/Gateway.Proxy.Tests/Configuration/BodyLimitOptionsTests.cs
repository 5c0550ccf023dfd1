using Gateway.Proxy.Configuration;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Configuration;

/// <summary>The agent body limit stays within Kestrel's own, so a refusal always names the limit the body exceeded.</summary>
public sealed class BodyLimitOptionsTests : IDisposable
{
    private readonly DemoBundle _bundle = DemoBundle.Create();

    public void Dispose() => _bundle.Dispose();

    [Theory]
    [InlineData(GatewayOptionsValidator.KestrelMaxRequestBodyBytes + 1, true)]
    [InlineData(64L * 1024 * 1024, true)]
    [InlineData(GatewayOptionsValidator.KestrelMaxRequestBodyBytes, false)]
    [InlineData(0L, true)]
    public void Validate_MaxRequestBodyBytes_IsRefusedOutsideKestrelsLimit(long bytes, bool refused)
    {
        var options = new GatewayOptions();
        options.Policy.BundlePath = _bundle.Directory;
        options.Limits.MaxRequestBodyBytes = bytes;

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal(refused, result.Failures?.Any(f => f.Contains("MaxRequestBodyBytes", StringComparison.Ordinal)) == true);
    }
}
