using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary><c>/readyz</c> is built from ASP.NET Core health checks: every check tagged "ready" counts, others do not.</summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        _gateway = await GatewayHost.StartAsync(_bundle.Directory, configure: builder => builder.Services.AddHealthChecks()
            .AddCheck("audit_sink", static () => HealthCheckResult.Unhealthy("unavailable"), tags: ["ready"])
            .AddCheck("not_for_readiness", static () => HealthCheckResult.Unhealthy("broken")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
    }

    [Fact]
    public async Task Readyz_AnotherReadyTaggedCheckFails_IsNotReadyAndNamesIt()
    {
        using var response = await _gateway.Client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ok", body.GetProperty("store").GetString());
        Assert.Equal("ok", body.GetProperty("policy").GetString());
        Assert.Equal("unavailable", body.GetProperty("audit_sink").GetString());
        Assert.False(body.TryGetProperty("not_for_readiness", out _));
    }
}
