using System.Diagnostics.Metrics;
using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// What an MCP server lists on <c>/mcp</c> — its prompts (and their arguments), resources, resource templates and tools —
/// reaches the client redacted as the server's own route <c>/providers/notes</c> redacts it: the real SDK server behind
/// <c>notes</c> lists an e-mail address and an API key in every description; the redactions are counted in
/// <c>gateway.redactions</c>; a listing whose redacted form is no longer a listing is refused, not passed on.
/// </summary>
public sealed class McpListingRedactionTests : IClassFixture<McpListingRedactionTests.Fixture>
{
    private const string Leaky = "Summarizes notes for ada.lovelace@example.com with sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD.";
    private const string Redacted = "Summarizes notes for [REDACTED:email] with [REDACTED:api_key].";

    private readonly McpGateway _mcp;

    public McpListingRedactionTests(Fixture fixture) => _mcp = fixture.Mcp;

    [Fact]
    public async Task ListPrompts_ServerListsSecretMaterial_ClientReceivesItRedacted()
    {
        await using var client = await _mcp.ConnectAsync();

        var prompt = Assert.Single(await client.ListPromptsAsync()).ProtocolPrompt;

        Assert.Equal("notes__summarize", prompt.Name);
        Assert.Equal(Redacted, prompt.Description);
        Assert.Equal(Redacted, Assert.Single(prompt.Arguments!).Description);
        AssertNoSecret(prompt);
    }

    [Fact]
    public async Task ListResources_ServerListsSecretMaterial_ClientReceivesItRedacted()
    {
        await using var client = await _mcp.ConnectAsync();

        var resource = Assert.Single(await client.ListResourcesAsync(), r => r.Uri.StartsWith("gamut-mcp://notes/", StringComparison.Ordinal)).ProtocolResource;

        Assert.Equal("gamut-mcp://notes/note%3A%2F%2Fq3-plan", resource.Uri);
        Assert.Equal(Redacted, resource.Description);
        AssertNoSecret(resource);
    }

    [Fact]
    public async Task ListResourceTemplates_ServerListsSecretMaterial_ClientReceivesItRedacted()
    {
        await using var client = await _mcp.ConnectAsync();

        var template = Assert.Single(await client.ListResourceTemplatesAsync()).ProtocolResourceTemplate;

        Assert.Equal(Redacted, template.Description);
        AssertNoSecret(template);
    }

    [Fact]
    public async Task ListTools_ServerListsSecretMaterialInADescription_ClientReceivesItRedacted()
    {
        await using var client = await _mcp.ConnectAsync();

        var find = Assert.Single(await client.ListToolsAsync(), t => t.Name == "notes__find").ProtocolTool;

        Assert.Equal(Redacted, find.Description);
        AssertNoSecret(find);
    }

    [Fact]
    public async Task ListPrompts_OnMcpAndOnTheServersProviderRoute_AreRedactedAlike()
    {
        await using var mcp = await _mcp.ConnectAsync();
        await using var provider = await _mcp.ConnectProviderAsync("notes");

        var onMcp = Assert.Single(await mcp.ListPromptsAsync()).Description;
        var onProvider = Assert.Single(await provider.ListPromptsAsync()).Description;

        Assert.Equal(onProvider, onMcp);
    }

    [Fact]
    public async Task ListPrompts_ServerListsSecretMaterial_RedactionsAreCountedByKind()
    {
        using var kinds = new InstrumentTagListener<long>(_mcp.Gateway.Host.Services.GetRequiredService<IMeterFactory>(), "gateway.redactions", "kind");
        await using var client = await _mcp.ConnectAsync();

        await client.ListPromptsAsync();

        Assert.Contains("email", kinds.Values);
        Assert.Contains("api_key", kinds.Values);
    }

    [Fact]
    public async Task ListResources_RedactedItemIsNoLongerAResource_IsRefusedAsUninspectable()
    {
        await using var client = await _mcp.ConnectAsync();
        _mcp.Notes.ListedSize = 4111_1111_1111_1111;

        // Listings are kept (as tools are): the server is read again only once they are dropped, as a new bundle drops them.
        var listings = _mcp.Gateway.Host.Services.GetRequiredService<McpServerToolLists>();
        listings.Invalidate();
        try
        {
            // A card number listed as a number is redacted to a string, which is no size: nothing of the listing is passed on.
            var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.ListResourcesAsync().AsTask());

            Assert.Equal(-31000, (int)refused.ErrorCode);
            Assert.Contains("notes", refused.Message, StringComparison.Ordinal);
            Assert.Equal("response_uninspectable", DataCode(refused));
        }
        finally
        {
            _mcp.Notes.ListedSize = null;
            listings.Invalidate();
        }
    }

    private static void AssertNoSecret<T>(T listed)
    {
        var json = JsonSerializer.Serialize(listed, McpJsonUtilities.DefaultOptions);
        Assert.DoesNotContain("ada.lovelace@example.com", json, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-proj-", json, StringComparison.Ordinal);
    }

    /// <summary><c>error.data.code</c> of a JSON-RPC error, as the SDK client hands it over.</summary>
    private static string? DataCode(McpProtocolException refused) => refused.Data["code"] switch
    {
        JsonElement element => element.GetString(),
        var other => other?.ToString(),
    };

    /// <summary>The MCP gateway (<see cref="McpGateway"/>) whose <c>notes</c> server lists secret material everywhere.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public McpGateway Mcp { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Mcp = await McpGateway.StartAsync();
            Mcp.Notes.ListedDescription = Leaky;
            Mcp.Notes.Describe("find", Leaky);
            await Mcp.Notes.ToolsChangedAsync();
        }

        public async Task DisposeAsync() => await Mcp.DisposeAsync();
    }
}
