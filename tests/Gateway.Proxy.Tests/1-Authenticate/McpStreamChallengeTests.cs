using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// GET and DELETE /mcp refuse a client without credentials as POST does, as docs/openapi.yaml documents them: 401
/// <c>access_token_missing</c> with the RFC 9728 challenge naming the resource metadata.
/// </summary>
public sealed class McpStreamChallengeTests : IAsyncLifetime
{
    private DemoBundle _bundle = null!;
    private GatewayHost _host = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        _host = await GatewayHost.StartAsync(_bundle.Directory);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _bundle.Dispose();
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task Mcp_NoCredentials_Is401WithTheResourceMetadataChallenge(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/mcp");
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await _host.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "access_token_missing");
        var bearer = Assert.Single(response.Headers.WwwAuthenticate, static h => h.Scheme == "Bearer");
        Assert.Contains("resource_metadata=\"", bearer.Parameter, StringComparison.Ordinal);
        Assert.Contains("/.well-known/oauth-protected-resource/mcp\"", bearer.Parameter, StringComparison.Ordinal);
    }
}
