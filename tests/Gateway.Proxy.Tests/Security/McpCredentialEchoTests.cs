using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Mcp;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// An MCP server that reflects the credential the gateway injected (issue #68): the real SDK server behind the
/// <c>notes</c> connector (a vault credential) answers a call with the credential it was sent, without its scheme, in a
/// progress event and in the result, and lists a tool whose description holds it. Through <c>/mcp</c> (JSON or the call's
/// event stream, and the listing) and through the server's own route <c>/providers/notes</c>, the agent never receives it.
/// </summary>
public sealed class McpCredentialEchoTests : IClassFixture<McpCredentialEchoTests.Fixture>
{
    private readonly McpGateway _mcp;

    public McpCredentialEchoTests(Fixture fixture) => _mcp = fixture.Mcp;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallTool_OnMcp_ServerReflectsTheCredential_ResultAndEventsHoldNoSpellingOfIt(bool progress)
    {
        var meta = progress ? ""","_meta":{"progressToken":"p-echo"}""" : string.Empty;

        var (status, body) = await _mcp.PostRawAsync("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"TEXT"}META}}"""
            .Replace("TEXT", McpTestServer.ReflectCredential, StringComparison.Ordinal).Replace("META", meta, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Bearer " + McpGateway.NotesCredential, _mcp.Notes.Calls.Select(c => c.Authorization));
        CredentialEcho.AssertAbsent(McpGateway.NotesCredential, body);
        Assert.Contains("you sent [REDACTED:credential] ([REDACTED:credential])", body, StringComparison.Ordinal);
        if (progress)
        {
            Assert.Contains("signed in with [REDACTED:credential]", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CallTool_OnTheServersProviderRoute_ServerReflectsTheCredential_ResultHoldsNoSpellingOfIt()
    {
        await using var client = await _mcp.ConnectProviderAsync("notes");

        var result = await client.CallToolAsync("find", new Dictionary<string, object?> { ["text"] = McpTestServer.ReflectCredential });

        var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
        Assert.Equal("you sent [REDACTED:credential] ([REDACTED:credential])", text);
        CredentialEcho.AssertAbsent(McpGateway.NotesCredential, JsonSerializer.Serialize(result, McpJsonUtilities.DefaultOptions));
    }

    [Fact]
    public async Task ListTools_ServerReflectsTheCredentialInADescription_ListingHoldsNoSpellingOfIt()
    {
        await using var client = await _mcp.ConnectAsync();

        var find = Assert.Single(await client.ListToolsAsync(), t => t.Name == "notes__find");

        Assert.Equal("Finds notes, signed in with [REDACTED:credential].", find.Description);
        CredentialEcho.AssertAbsent(McpGateway.NotesCredential, JsonSerializer.Serialize(find.ProtocolTool, McpJsonUtilities.DefaultOptions));
    }

    /// <summary>The MCP gateway (<see cref="McpGateway"/>), shared by the tests.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public McpGateway Mcp { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Mcp = await McpGateway.StartAsync();

            // The server lists find with the credential its listing arrived with in the description.
            Mcp.Notes.Describe("find", "Finds notes, signed in with " + McpTestServer.CredentialPlaceholder + ".");
            await Mcp.Notes.ToolsChangedAsync();
        }

        public async Task DisposeAsync() => await Mcp.DisposeAsync();
    }
}
