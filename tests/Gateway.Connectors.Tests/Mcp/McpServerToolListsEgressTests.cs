using Gateway.Connectors.Credentials;
using Gateway.Connectors.Mcp;
using Gateway.Policy;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Gateway.Connectors.Tests.Mcp;

/// <summary>
/// The gateway's own MCP client (the tool listings) sends a server's credential to the server's endpoint alone: a
/// redirect elsewhere is not followed, so the credential never reaches the host it names.
/// </summary>
public sealed class McpServerToolListsEgressTests : IAsyncLifetime
{
    private readonly McpServerToolLists _lists = new(
        new CredentialResolver(null, environment: name => name == "TICKETS_MCP_KEY" ? "mcp-server-key" : null), TimeProvider.System, NullLoggerFactory.Instance);
    private KestrelUpstream _elsewhere = null!;
    private KestrelUpstream _server = null!;
    private int _reachedElsewhere;

    public async Task InitializeAsync()
    {
        _elsewhere = await KestrelUpstream.StartAsync(app => app.Map("/{**rest}", (HttpContext context) =>
        {
            Interlocked.Increment(ref _reachedElsewhere);
            return HttpResults.StatusCode(500);
        }));
        _server = await KestrelUpstream.StartAsync(app => app.MapPost("/mcp", () => HttpResults.Redirect(_elsewhere.At("collect").ToString(), permanent: false, preserveMethod: true)));
    }

    public async Task DisposeAsync()
    {
        await _lists.DisposeAsync();
        await _server.DisposeAsync();
        await _elsewhere.DisposeAsync();
    }

    [Fact]
    public async Task GetAsync_ServerRedirectsElsewhere_NotFollowedAndTheCredentialStaysHome()
    {
        var server = new CatalogEntry
        {
            Name = "tickets-mcp",
            Kind = ConnectorKind.Mcp,
            ActionType = ActionType.Write,
            Upstream = _server.At("mcp"),
            Credential = SecretReference.TryParse("env:TICKETS_MCP_KEY", null, out var reference) ? reference : null,
            Auth = ConnectorAuth.Bearer,
        };

        var tools = await _lists.GetAsync("acme", server, CancellationToken.None);

        Assert.False(tools.Available);
        Assert.Equal(0, Volatile.Read(ref _reachedElsewhere));
    }
}
