using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// Prompts and resources on <c>/mcp</c>: the context packs the agent may read, and the prompts and resources of the MCP
/// servers it holds a permission for (<c>notes</c>, not <c>files</c>), renamed by server; a get or a read is a governed
/// action (on the server's entry, or the context pack's), redacted.
/// </summary>
public sealed class McpPromptsAndResourcesTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ListPrompts_OnlyThePermittedServers_NamedByServer()
    {
        await using var client = await _mcp.ConnectAsync();

        var names = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();

        Assert.Equal(["notes__summarize"], names);
    }

    [Fact]
    public async Task GetPrompt_PermittedServer_ReturnsTheServersPrompt()
    {
        await using var client = await _mcp.ConnectAsync();

        var prompt = await client.GetPromptAsync("notes__summarize", new Dictionary<string, object?> { ["topic"] = "the roadmap" });

        Assert.Equal("Summarize the roadmap (summarize).", Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text);
    }

    [Fact]
    public async Task ListResources_OnlyThePermittedServers_UnderTheirServersName()
    {
        await using var client = await _mcp.ConnectAsync();

        var uris = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();

        Assert.Equal(["gamut-context://workspace", "gamut-mcp://notes/note%3A%2F%2Fq3-plan"], uris);
    }

    [Fact]
    public async Task ListResourceTemplates_OnlyThePermittedServers_UnderTheirServersNameWithTheirExpressionsKept()
    {
        await using var client = await _mcp.ConnectAsync();

        var templates = (await client.ListResourceTemplatesAsync()).Select(t => t.UriTemplate).ToList();

        Assert.Equal(["gamut-mcp://notes/note%3A%2F%2F{id}"], templates);
    }

    [Fact]
    public async Task ReadResource_ExpandedFromATemplate_ReachesTheServerAsTheUriItsOwnTemplateGives()
    {
        await using var client = await _mcp.ConnectAsync();
        var template = Assert.Single(await client.ListResourceTemplatesAsync()).UriTemplate;

        // What a client's RFC 6570 expansion gives: the value percent-encoded in place of the expression.
        await client.ReadResourceAsync(template.Replace("{id}", Uri.EscapeDataString("q3 plan/draft"), StringComparison.Ordinal));

        Assert.Equal(["note://q3 plan/draft"], _mcp.Notes.Reads);
    }

    [Fact]
    public async Task Complete_PromptArgumentOfAPermittedServer_IsAskedOfThatServer()
    {
        await using var client = await _mcp.ConnectAsync();

        var completed = await client.CompleteAsync(new PromptReference { Name = "notes__summarize" }, "topic", "g");

        Assert.Equal(["gateway", "governance"], completed.Completion.Values);
    }

    [Fact]
    public async Task Complete_ResourceTemplateOfAPermittedServer_IsAskedOfThatServerUnderItsOwnTemplate()
    {
        await using var client = await _mcp.ConnectAsync();

        var completed = await client.CompleteAsync(new ResourceTemplateReference { Uri = "gamut-mcp://notes/note%3A%2F%2F{id}" }, "id", "q4");

        Assert.Equal(["q4-plan"], completed.Completion.Values);
    }

    [Fact]
    public async Task Complete_ServerTheAgentMayNotUse_IsRefusedByPolicy()
    {
        await using var client = await _mcp.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CompleteAsync(new PromptReference { Name = "files__summarize" }, "topic", "g").AsTask());

        Assert.Equal(-31000, (int)refused.ErrorCode);
    }

    [Fact]
    public async Task Subscribe_PermittedServersResource_EachUpdateReachesTheClientUnderItsMcpUriUntilUnsubscribed()
    {
        const string Uri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using (var subscription = await client.SubscribeToResourceAsync(Uri, (updated, _) => updates.Writer.WriteAsync(updated.Uri)))
        {
            await _mcp.Notes.UpdatedAsync("note://q3-plan");

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Assert.Equal(Uri, await updates.Reader.ReadAsync(wait.Token));
            Assert.Equal(1, _mcp.Notes.Subscribers);
        }

        await WaitForAsync(() => _mcp.Notes.Unsubscribed.Contains("note://q3-plan"));
        Assert.Equal(0, _mcp.Notes.Subscribers);
    }

    [Fact]
    public async Task Subscribe_ServerSlowToOpenItsStream_TheUpdateRightAfterTheSubscriptionStillReachesTheClient()
    {
        const string Uri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
        _mcp.Notes.StreamDelay = TimeSpan.FromSeconds(1);
        var sessions = _mcp.Notes.Initializations;
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        _ = await client.SubscribeToResourceAsync(Uri, (updated, _) => updates.Writer.WriteAsync(updated.Uri));

        // The gateway opened its session with the server for this subscription, and the update follows at once.
        Assert.True(_mcp.Notes.Initializations > sessions);
        await _mcp.Notes.UpdatedAsync("note://q3-plan");

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal(Uri, await updates.Reader.ReadAsync(wait.Token));
    }

    [Fact]
    public async Task Subscribe_TwoClientsToOneResource_TheServerIsSubscribedOnceAndBothHearTheUpdate()
    {
        const string Uri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
        await using var first = await _mcp.ConnectAsync("2025-11-25");
        await using var second = await _mcp.ConnectAsync("2025-11-25");
        var heard = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var one = await first.SubscribeToResourceAsync(Uri, (updated, _) => heard.Writer.WriteAsync("first " + updated.Uri));
        await using var two = await second.SubscribeToResourceAsync(Uri, (updated, _) => heard.Writer.WriteAsync("second " + updated.Uri));

        await _mcp.Notes.UpdatedAsync("note://q3-plan");

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var both = new[] { await heard.Reader.ReadAsync(wait.Token), await heard.Reader.ReadAsync(wait.Token) }.Order(StringComparer.Ordinal);
        Assert.Equal(["first " + Uri, "second " + Uri], both);
        Assert.Equal(1, _mcp.Notes.Subscribers);
    }

    [Fact]
    public async Task Subscribe_ServerTheAgentMayNotUse_IsRefused()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.SubscribeToResourceAsync("gamut-mcp://files/note%3A%2F%2Fq3-plan"));

        Assert.Equal(-31000, (int)refused.ErrorCode);
        Assert.Equal(0, _mcp.Files.Subscribers);
    }

    [Fact]
    public async Task Subscribe_DelegatedChildWithinItsGrant_HearsEachUpdateUntilItsGrantIsRevoked()
    {
        const string Uri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
        var child = await ChildAsync("""[{"tool":"notes","action_types":["read"]}]""");
        await using var client = await _mcp.ConnectAsync(_mcp.SignedHttp(child.Agent, child.Secret), "2025-11-25");
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        // Not disposed: once the grant is revoked, the child's unsubscribe is refused like its every request (401).
        _ = await client.SubscribeToResourceAsync(Uri, (updated, _) => updates.Writer.WriteAsync(updated.Uri));

        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            Assert.Equal(Uri, await updates.Reader.ReadAsync(wait.Token));
        }

        using (var revoke = await _mcp.Gateway.Admin().PostAsync($"/admin/v1/tenants/demo/agents/{child.Agent}/revoke-delegation", content: null))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, revoke.StatusCode);
        }

        // The next update finds the child gone: it hears nothing, and with no subscriber left the server is unsubscribed.
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        await WaitForAsync(() => _mcp.Notes.Unsubscribed.Contains("note://q3-plan"));
        Assert.False(updates.Reader.TryRead(out _));
    }

    [Theory]
    [InlineData("agents/demo-agent/suspend")]
    [InlineData("agents/demo-agent/revoke-secret")]
    [InlineData("suspend")]
    public async Task Subscribe_AgentAKillSwitchThenStops_HearsNoUpdateAfterIt(string killSwitch)
    {
        const string Uri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        // Not disposed: once the switch is on, the agent's unsubscribe is refused like its every request.
        _ = await client.SubscribeToResourceAsync(Uri, (updated, _) => updates.Writer.WriteAsync(updated.Uri));
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            Assert.Equal(Uri, await updates.Reader.ReadAsync(wait.Token));
        }

        using (var thrown = await _mcp.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/" + killSwitch, content: null))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, thrown.StatusCode);
        }

        // The next update finds the switch on: the session hears nothing, and with no subscriber left the server is unsubscribed.
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        await WaitForAsync(() => _mcp.Notes.Unsubscribed.Contains("note://q3-plan"));
        Assert.False(updates.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Subscribe_RuleAddedSinceBlocksTheResource_HearsNoUpdateAfterIt()
    {
        const string Uri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        _ = await client.SubscribeToResourceAsync(Uri, (updated, _) => updates.Writer.WriteAsync(updated.Uri));
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            Assert.Equal(Uri, await updates.Reader.ReadAsync(wait.Token));
        }

        _mcp.Gateway.Bundle.Rewrite(text => text.Replace("rules:\n",
            "rules:\n  - id: no-q3-notes\n    match:\n      tools: [notes]\n      args: [{ path: $.uri, glob: \"note://q3*\" }]\n    effect: block\n    reason: q3_note\n",
            StringComparison.Ordinal));
        Assert.Empty(await _mcp.Gateway.Host.Services.GetRequiredService<Gateway.Proxy.Bundle.PolicyProvider>().ReloadAsync());

        // The next update is decided under the new policy, which blocks the read: the session hears nothing more of it.
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        await WaitForAsync(() => _mcp.Notes.Unsubscribed.Contains("note://q3-plan"));
        Assert.False(updates.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Subscribe_DelegatedChildWhoseGrantLacksTheServer_IsRefused()
    {
        var child = await ChildAsync("""[{"tool":"notes.find","action_types":["read"]}]""");
        await using var client = await _mcp.ConnectAsync(_mcp.SignedHttp(child.Agent, child.Secret), "2025-11-25");

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.SubscribeToResourceAsync("gamut-mcp://notes/note%3A%2F%2Fq3-plan"));

        Assert.Equal(-31000, (int)refused.ErrorCode);
        Assert.Equal(0, _mcp.Notes.Subscribers);
    }

    /// <summary>A child of the demo agent granted <paramref name="permissions"/>, issued through the gateway.</summary>
    private async Task<AgentClient> ChildAsync(string permissions)
    {
        var parent = new AgentClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret);
        var (child, _) = await DelegationCalls.DelegateAsync(parent, _mcp.Gateway.Host.Client, """{"name":"watcher","permissions":""" + permissions + "}");
        return child;
    }

    private static Task WaitForAsync(Func<bool> condition) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(10), "the condition did not hold within 10 s");

    [Fact]
    public async Task ReadResource_PermittedServer_ReachesItWithItsOwnUriAndIsRedacted()
    {
        await using var client = await _mcp.ConnectAsync();

        var read = await client.ReadResourceAsync("gamut-mcp://notes/note%3A%2F%2Fq3-plan");

        var text = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text;
        Assert.Equal("The Q3 plan, owned by [REDACTED:email].", text);
        Assert.Equal(["note://q3-plan"], _mcp.Notes.Reads);
    }

    [Fact]
    public async Task ReadResource_ContextPack_IsTheContextActionWithTheQueryAndAnswersUnderTheAskedUri()
    {
        await using var client = await _mcp.ConnectAsync();

        var read = await client.ReadResourceAsync("gamut-context://workspace?query=road%20map&max_bytes=9");

        var contents = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Equal("gamut-context://workspace?query=road%20map&max_bytes=9", contents.Uri);
        Assert.Equal("workspace", contents.Text);
        Assert.Contains(_mcp.Gateway.Upstream.Received, r => r.Target.StartsWith("/context?", StringComparison.Ordinal) && r.Target.Contains("query=road%20map", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadResource_ServerNotPermitted_IsRefusedAndNeverReachesIt()
    {
        await using var client = await _mcp.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("gamut-mcp://files/note%3A%2F%2Fq3-plan").AsTask());

        Assert.Equal(-31000, (int)refused.ErrorCode);
        Assert.Empty(_mcp.Files.Reads);
    }
}
