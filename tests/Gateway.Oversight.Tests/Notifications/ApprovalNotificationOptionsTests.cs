using Gateway.Oversight.Approvals;
using Gateway.Oversight.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Tests.Notifications;

/// <summary>
/// The approval's link starts with the notifications' own origin, else the console's (<c>Gateway:Console:PublicOrigin</c>),
/// else the gateway's (<c>Gateway:AccessTokens:PublicBaseUrl</c>, as the console falls back to); a chat webhook, whose URL is its credential, is https (http only to loopback).
/// </summary>
public sealed class ApprovalNotificationOptionsTests
{
    [Fact]
    public void AddApprovalNotifications_NoOriginOfTheirOwn_TakeTheConsolesPublicOrigin()
    {
        var options = Bound(("Gateway:Console:PublicOrigin", "https://console.example.com"));

        Assert.Equal(new Uri("https://console.example.com"), options.PublicOrigin);
    }

    [Fact]
    public void AddApprovalNotifications_OriginOfTheirOwn_IsKept()
    {
        var options = Bound(("Gateway:Console:PublicOrigin", "https://console.example.com"), ("Gateway:Notifications:PublicOrigin", "https://links.example.com"));

        Assert.Equal(new Uri("https://links.example.com"), options.PublicOrigin);
    }

    [Fact]
    public void AddApprovalNotifications_OnlyTheGatewaysPublicBaseUrlSet_TakeItForTheLink()
    {
        // The chart sets only Gateway__AccessTokens__PublicBaseUrl: a webhook added through extraEnv must still start.
        var options = Bound(("Gateway:AccessTokens:PublicBaseUrl", "https://gateway.example.com"), ("Gateway:Notifications:Tenants:demo:WebhookUrl", "https://chat.example.com/hooks/x"));

        Assert.Equal(new Uri("https://gateway.example.com"), options.PublicOrigin);
    }

    [Fact]
    public void AddApprovalNotifications_ConsoleOriginAndPublicBaseUrl_TakeTheConsoles()
    {
        var options = Bound(("Gateway:AccessTokens:PublicBaseUrl", "https://gateway.example.com"), ("Gateway:Console:PublicOrigin", "https://console.example.com"));

        Assert.Equal(new Uri("https://console.example.com"), options.PublicOrigin);
    }

    [Fact]
    public void AddApprovalNotifications_ChannelWithNoOriginAnywhere_FailsNamingEverySetting()
    {
        var bind = () => Bound(("Gateway:Notifications:Tenants:demo:WebhookUrl", "https://chat.example.com/hooks/x"));

        Assert.Contains("Gateway:AccessTokens:PublicBaseUrl", Assert.Throws<OptionsValidationException>(bind).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddApprovalNotifications_ConsoleOriginNotAUrl_LeavesNone()
    {
        var options = Bound(("Gateway:Console:PublicOrigin", "console"));

        Assert.Null(options.PublicOrigin);
    }

    [Theory]
    [InlineData("http://chat.example.com/hooks/x", false)]
    [InlineData("https://chat.example.com/hooks/x", true)]
    [InlineData("http://127.0.0.1:9000/hooks/x", true)]
    public void AddApprovalNotifications_WebhookUrl_MustBeHttpsUnlessLoopback(string url, bool valid)
    {
        var bind = () => Bound(("Gateway:Notifications:PublicOrigin", "https://links.example.com"), ("Gateway:Notifications:Tenants:demo:WebhookUrl", url));

        if (valid)
        {
            Assert.Equal(new Uri(url), bind().Tenants["demo"].WebhookUrl);
        }
        else
        {
            Assert.Contains("https", Assert.Throws<OptionsValidationException>(bind).Message, StringComparison.Ordinal);
        }
    }

    private static ApprovalNotificationOptions Bound(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(static s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IApprovalStore>(static _ => throw new NotSupportedException("not resolved by these tests"));
        services.AddApprovalNotifications(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ApprovalNotificationOptions>>().Value;
    }
}
