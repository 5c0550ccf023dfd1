using Gateway.Oversight.Approvals;
using Gateway.Oversight.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Tests.Notifications;

/// <summary>The approval's link starts with the notifications' own origin, else the console's (<c>Gateway:Console:PublicOrigin</c>).</summary>
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
    public void AddApprovalNotifications_ConsoleOriginNotAUrl_LeavesNone()
    {
        var options = Bound(("Gateway:Console:PublicOrigin", "console"));

        Assert.Null(options.PublicOrigin);
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
