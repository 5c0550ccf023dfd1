using System.Net;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// Which endpoints the Authenticate stage proves, on the gateway as it starts: every YARP route (the governed actions, the
/// route kinds with a local destination and the connectors' routes) and the MCP server's own endpoint are agent routes; health and the admin API are
/// not; and a request to an agent route that no stage proved never reaches it, whatever the path's spelling.
/// </summary>
public sealed class AgentRouteMapTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public void Endpoints_EveryYarpRoute_IsAnAgentRoute()
    {
        var yarp = Endpoints().Where(static endpoint => endpoint.Metadata.GetMetadata<RouteModel>() is not null).ToList();

        Assert.NotEmpty(yarp);
        Assert.All(yarp, static endpoint => Assert.True(AgentRouteMetadata.IsAgentRoute(endpoint), endpoint.DisplayName));
    }

    [Theory]
    [InlineData("/v1/approvals/{id}")]
    [InlineData("/v1/delegations")]
    [InlineData("/v1/runs")]
    [InlineData("/v1/runs/{id}/events")]
    [InlineData("/a2a/{connector}/.well-known/agent-card.json")]
    [InlineData("/mcp")]
    public void Endpoints_RouteKindWithALocalDestination_IsAYarpAgentRoute(string pattern)
    {
        var matching = Endpoints().Where(endpoint => "/" + endpoint.RoutePattern.RawText?.Trim('/') == pattern
            && endpoint.Metadata.GetMetadata<ISuppressMatchingMetadata>() is not { SuppressMatching: true }).ToList();

        Assert.NotEmpty(matching);
        Assert.All(matching, static endpoint => Assert.NotNull(endpoint.Metadata.GetMetadata<RouteModel>()));
        Assert.All(matching, static endpoint => Assert.True(AgentRouteMetadata.IsAgentRoute(endpoint), endpoint.DisplayName));
    }

    [Fact]
    public void Endpoints_TheMcpServersOwn_AreNeverMatchedByRouting()
    {
        // The MCP SDK's endpoints on /mcp are reached only through the Mcp kind's local destination, after the walk.
        var sdk = Endpoints().Where(static endpoint => "/" + endpoint.RoutePattern.RawText?.Trim('/') == "/mcp" && endpoint.Metadata.GetMetadata<RouteModel>() is null).ToList();

        Assert.NotEmpty(sdk);
        Assert.All(sdk, static endpoint => Assert.True(endpoint.Metadata.GetMetadata<ISuppressMatchingMetadata>()?.SuppressMatching, endpoint.DisplayName));
    }

    [Fact]
    public void Endpoints_HealthAndAdmin_AreNotAgentRoutes()
    {
        var others = Endpoints().Where(static endpoint => endpoint.RoutePattern.RawText is { } raw
            && (raw.StartsWith("/admin/", StringComparison.Ordinal) || raw.StartsWith("/healthz", StringComparison.Ordinal))).ToList();

        Assert.NotEmpty(others);
        Assert.All(others, static endpoint => Assert.False(AgentRouteMetadata.IsAgentRoute(endpoint), endpoint.DisplayName));
    }

    [Theory]
    [InlineData("/v1/actions/invoke-tool")]
    [InlineData("/V1/ACTIONS/INVOKE-TOOL")]
    [InlineData("/v1/runs")]
    [InlineData("/providers/openai/chat/completions")]
    public async Task Post_UnsignedToAnAgentRoute_IsRefusedBeforeTheEndpoint(string path)
    {
        using var response = await _gw.Host.Client.PostAsync(path, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private List<RouteEndpoint> Endpoints() =>
        _gw.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
}
