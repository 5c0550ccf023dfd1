using Gateway.Proxy.Configuration;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Configuration;

/// <summary><c>Gateway:Limits:BodyReadTimeout</c> is bounded: a bare number binds as days and is refused, not a body read held open for them.</summary>
public sealed class GatewayOptionsValidatorTests : IDisposable
{
    private readonly DemoBundle _bundle = DemoBundle.Create();

    public void Dispose() => _bundle.Dispose();

    [Theory]
    [InlineData("10")]
    [InlineData("00:05:01")]
    [InlineData("1.00:00:00")]
    public void Validate_BodyReadTimeoutOfDays_IsRefused(string timeout)
    {
        var result = new GatewayOptionsValidator().Validate(null, Bind(("Limits:BodyReadTimeout", timeout)));

        Assert.True(result.Failed);
        Assert.StartsWith("Gateway:Limits:BodyReadTimeout must be positive and at most 5 minutes", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:10")]
    [InlineData("00:05:00")]
    public void Validate_BodyReadTimeoutUpToFiveMinutes_IsAccepted(string timeout)
    {
        Assert.True(new GatewayOptionsValidator().Validate(null, Bind(("Limits:BodyReadTimeout", timeout))).Succeeded);
    }

    private GatewayOptions Bind(params (string Key, string Value)[] settings)
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(static s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build().Get<GatewayOptions>()!;
        options.Policy.BundlePath = _bundle.Directory;
        return options;
    }
}
