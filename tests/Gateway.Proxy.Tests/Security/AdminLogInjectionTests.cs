using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// A refused admin or console request's path is logged as the caller sent it on the wire (percent-encoded), never decoded:
/// a carriage return or an escape sequence in it cannot forge or overwrite a line of the gateway's plain-text log.
/// </summary>
public sealed class AdminLogInjectionTests
{
    [Fact]
    public async Task AdminRefused_PathWithControlCharacters_LoggedEncoded()
    {
        var logs = new FakeLogCollector();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Logging.AddProvider(new FakeLoggerProvider(logs)));

        using var response = await gw.Host.Client.GetAsync("/admin/v1/tenants/x%0D%1B%5B2Kforged/approvals");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var refused = Assert.Single(logs.GetSnapshot(), r => r.Message.StartsWith("Admin API refused", StringComparison.Ordinal));
        Assert.Contains("x%0D%1B", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.AsSpan().ContainsAny('\r', '\u001b'));
    }

    [Fact]
    public async Task ConsoleCallbackRefused_TenantWithControlCharacters_LoggedEncoded()
    {
        var logs = new FakeLogCollector();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Logging
            .AddProvider(new FakeLoggerProvider(logs)).AddFilter<FakeLoggerProvider>("Gateway.Proxy.Console", LogLevel.Information));

        using var response = await gw.Host.Client.GetAsync("/console/x%0D%1B%5B2Kforged/callback?state=s&code=c");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var refused = Assert.Single(logs.GetSnapshot(), r => r.Message.StartsWith("Console: a sign-in to tenant", StringComparison.Ordinal));
        Assert.Contains("x%0D%1B", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.AsSpan().ContainsAny('\r', '\u001b'));
    }
}
