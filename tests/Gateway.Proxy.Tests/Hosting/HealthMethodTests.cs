using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>The health routes answer GET and HEAD, as docs/openapi.yaml lists them; any other method is 405 with the GET and HEAD it allows.</summary>
public sealed class HealthMethodTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public HealthMethodTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("DELETE", "/readyz")]
    [InlineData("POST", "/readyz")]
    [InlineData("PUT", "/healthz")]
    [InlineData("DELETE", "/healthz")]
    public async Task HealthRoute_MethodOtherThanGetOrHead_Is405(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        using var response = await _gw.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("GET", "/readyz")]
    [InlineData("HEAD", "/readyz")]
    [InlineData("GET", "/healthz")]
    [InlineData("HEAD", "/healthz")]
    public async Task HealthRoute_GetOrHead_Answers200(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        using var response = await _gw.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
