using Gateway.Proxy.Hosting;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// Inline I/O's default follows what was measured (on from 16 cores on Redis, off on 2 cores and on the embedded store), and
/// <c>Gateway:Server:InlineScheduling</c> overrides it either way. The gateway running inline is GatewayKillTests' Redis case.
/// </summary>
public sealed class InlineIoTests
{
    [Theory]
    [InlineData(2, true, false)]
    [InlineData(15, true, false)]
    [InlineData(16, true, true)]
    [InlineData(64, true, true)]
    [InlineData(16, false, false)]
    public void DefaultFor_CoresAndStore_IsOnFromSixteenCoresOnRedis(int cores, bool redisStore, bool expected) =>
        Assert.Equal(expected, InlineIo.DefaultFor(cores, redisStore));

    [Theory]
    [InlineData("true", false, true)]
    [InlineData("false", true, false)]
    public void IsOn_Setting_OverridesTheDefault(string setting, bool redisStore, bool expected)
    {
        // The machine's own default would need 16 cores on Redis; the setting decides on any machine.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(InlineIo.SettingKey, setting)]).Build();
        Assert.Equal(expected, InlineIo.IsOn(configuration, redisStore));
    }

    [Fact]
    public void IsOn_NotABoolean_FailsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(InlineIo.SettingKey, "sometimes")]).Build();
        var failure = Assert.Throws<InvalidOperationException>(() => InlineIo.IsOn(configuration, redisStore: true));
        Assert.Contains(InlineIo.SettingKey, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsOn_Unset_IsTheDefaultForThisMachine()
    {
        var configuration = new ConfigurationBuilder().Build();
        Assert.Equal(InlineIo.DefaultFor(Environment.ProcessorCount, redisStore: true), InlineIo.IsOn(configuration, redisStore: true));
        Assert.False(InlineIo.IsOn(configuration, redisStore: false));
    }
}
