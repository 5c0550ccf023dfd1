using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>The gateway's address opened in a browser leads to the console; anything else gets a JSON index; <c>/favicon.ico</c> is not a 404.</summary>
public sealed class RootEndpointsTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public RootEndpointsTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task Root_Browser_IsSentToTheConsole()
    {
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Root_NotABrowser_AnswersAJsonIndexOfTheGatewaysAddresses()
    {
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var index = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("/console", index.RootElement.GetProperty("console").GetString());
        Assert.Equal("/openapi.yaml", index.RootElement.GetProperty("openapi").GetString());
        Assert.Equal("/readyz", index.RootElement.GetProperty("ready").GetString());
    }

    [Fact]
    public async Task Favicon_IsAnEmpty204NotA404()
    {
        using var client = Client();

        using var response = await client.GetAsync(new Uri("/favicon.ico", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    private HttpClient Client() => new(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = _gw.Host.BaseAddress };
}
