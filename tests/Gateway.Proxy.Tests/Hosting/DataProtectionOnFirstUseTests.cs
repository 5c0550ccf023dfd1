using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>The Data Protection key ring is not loaded at start (no hosted service of its own), and still protects on first use.</summary>
public sealed class DataProtectionOnFirstUseTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public DataProtectionOnFirstUseTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public void Start_NoHostedServiceOfDataProtection_LoadsTheKeyRing()
    {
        var dataProtection = typeof(DataProtectionOptions).Assembly;

        var hosted = _gw.Host.Services.GetServices<IHostedService>();

        Assert.DoesNotContain(hosted, service => service.GetType().Assembly == dataProtection);
    }

    [Fact]
    public void Protect_AfterStart_RoundTripsOnTheKeyRingLoadedOnFirstUse()
    {
        var protector = _gw.Host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("first-use-test");

        var protectedText = protector.Protect("an affinity cookie");

        Assert.Equal("an affinity cookie", protector.Unprotect(protectedText));
    }
}
