using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// On an MCP server's own route <c>/providers/&lt;server&gt;</c>, <c>resources/subscribe</c> is decided as the read of its
/// resource (<c>{uri}</c>, as <c>/mcp</c> clears it), so a rule on <c>$.uri</c> holds on both routes; <c>completion/complete</c>,
/// whose values <c>/mcp</c> reads one by one against the policy and this route would forward as the server wrote them, is
/// refused there and never reaches the server, as is 2026-07-28's <c>subscriptions/listen</c>, whose resources no read rule
/// decides; a listing leaves out each resource, template and prompt whose read a rule blocks, as <c>/mcp</c> lists them; and
/// a subscribed resource's update reaches the client only while the policy in force lets it read the resource and no kill
/// switch stops it, as on <c>/mcp</c>.
/// </summary>
public sealed class McpProviderReadClearanceTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private McpGateway _mcp = null!;

    // The files server's own route, and a rule on the URI /mcp decides a read of the files server with.
    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(text => text
        .Replace("      - { tool: files.write }\n", "      - { tool: files.write }\n      - { tool: files }\n", StringComparison.Ordinal)
        .Replace("rules:\n", "rules:\n  - id: no-secret-notes\n    match:\n      tools: [files]\n      args: [{ path: $.uri, glob: \"note://secret*\" }]\n    effect: block\n    reason: secret_note\n",
            StringComparison.Ordinal));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ProvidersSubscribe_UriARuleBlocks_IsBlockedAsOnMcpAndTheServerNeverSubscribes()
    {
        await using var client = await ConnectFilesAsync();
        await using var onMcp = await _mcp.ConnectAsync("2025-11-25");

        var (body, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":"note://secret-1"}}""", client.SessionId!);
        await Assert.ThrowsAsync<McpProtocolException>(async () => await client.SubscribeToResourceAsync("note://secret-1", (_, _) => ValueTask.CompletedTask));
        await Assert.ThrowsAsync<McpProtocolException>(async () => await onMcp.SubscribeToResourceAsync("gamut-mcp://files/note%3A%2F%2Fsecret-1", (_, _) => ValueTask.CompletedTask));

        Assert.Equal("blocked", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Contains(await _mcp.Gateway.AuditRecordsAsync(requestId), r => r.GetProperty("decision").GetString() == "block");
        Assert.Equal(0, _mcp.Files.Subscribers);
    }

    [Fact]
    public async Task ProvidersSubscribe_UriNoRuleMatches_ReachesTheServer()
    {
        await using var client = await ConnectFilesAsync();

        await client.SubscribeToResourceAsync("note://q3-plan", (_, _) => ValueTask.CompletedTask);

        Assert.Equal(1, _mcp.Files.Subscribers);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"note://{id}"},"argument":{"name":"id","value":"secret"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"note://{id}"},"argument":{"name":"id","value":""}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"summarize"},"argument":{"name":"topic","value":"g"}}}""")]
    public async Task ProvidersComplete_AnyReference_IsRefusedRecordedAndNeverReachesTheServer(string json)
    {
        await using var client = await ConnectFilesAsync();
        var upstream = UpstreamSession(client);
        var before = PostsIn(upstream);

        var (body, requestId) = await PostAsync(json, client.SessionId!);

        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(-32601, error.GetProperty("code").GetInt32());
        Assert.Equal("operation_not_mapped", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("operation_not_mapped", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
        Assert.Equal(before, PostsIn(upstream));
    }

    [Fact]
    public async Task ProvidersComplete_Refused_TheSessionStillServesWhatCarriesNothingToDecide()
    {
        await using var client = await ConnectFilesAsync();
        var upstream = UpstreamSession(client);
        await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"note://{id}"},"argument":{"name":"id","value":"q"}}}""", client.SessionId!);
        var before = PostsIn(upstream);

        await client.PingAsync();
        var templates = await client.ListResourceTemplatesAsync();

        Assert.Equal("note://{id}", Assert.Single(templates).UriTemplate);
        Assert.Equal(before + 2, PostsIn(upstream));
    }

    [Fact]
    public async Task SubscriptionsListen_ResourceSubscriptionToABlockedUri_IsRefusedAndNotForwarded()
    {
        await using var client = await ConnectFilesAsync();
        var upstream = UpstreamSession(client);
        var before = PostsIn(upstream);

        // 2026-07-28's subscriptions: a resource named in the listen request, never decided as the read of its URI.
        var (body, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":["note://secret-1"]}}}""", client.SessionId!);

        Assert.Equal(before, PostsIn(upstream));
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(-32601, error.GetProperty("code").GetInt32());
        Assert.Equal("operation_not_mapped", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("operation_not_mapped", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
        Assert.Equal(0, _mcp.Files.Subscribers);
    }

    [Fact]
    public async Task ResourcesList_ResourceWhoseReadARuleBlocks_IsLeftOutOnTheServersRoute()
    {
        await using var blocked = await StartBlockingAsync(("$.uri", "note://q3*"));
        await using var client = await ConnectFilesAsync(blocked);

        var resources = await client.ListResourcesAsync();
        var templates = await client.ListResourceTemplatesAsync();

        Assert.Empty(resources);
        Assert.True(blocked.Files.ResourceListings > 0);
        Assert.Equal("note://{id}", Assert.Single(templates).UriTemplate);
        Assert.Equal(["read_file", "write_file"], (await client.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PromptsAndTemplatesList_ItemWhoseReadARuleBlocks_IsLeftOutOnTheServersRoute()
    {
        await using var blocked = await StartBlockingAsync(("$.uri", "note://{*"), ("$.prompt", "summ*"));
        await using var client = await ConnectFilesAsync(blocked);

        Assert.Empty(await client.ListResourceTemplatesAsync());
        Assert.Empty(await client.ListPromptsAsync());
        Assert.Equal("note://q3-plan", Assert.Single(await client.ListResourcesAsync()).Uri);
    }

    [Fact]
    public async Task ProviderSubscribe_RuleAddedSinceBlocksTheResource_HearsNoUpdateAfterIt()
    {
        await using var client = await ConnectFilesAsync();
        var heard = Heard(client);
        await StreamOpenAsync(client, heard);
        await client.SubscribeToResourceAsync("note://q3-plan");

        _mcp.Gateway.Bundle.Rewrite(text => text.Replace("rules:\n",
            "rules:\n  - id: no-q3-notes\n    match:\n      tools: [files]\n      args: [{ path: $.uri, glob: \"note://q3*\" }]\n    effect: block\n    reason: q3_note\n",
            StringComparison.Ordinal));
        Assert.Empty(await _mcp.Gateway.Host.Services.GetRequiredService<Gateway.Proxy.Bundle.PolicyProvider>().ReloadAsync());

        // The update is passed on under the policy now in force, which blocks the read; an update of a resource it leaves
        // readable, sent after it on the same stream, still arrives.
        await _mcp.Files.UpdatedAsync("note://q3-plan");
        await client.SubscribeToResourceAsync("note://plain");
        await _mcp.Files.UpdatedAsync("note://plain");
        await Eventually.HoldsAsync(() => heard.Contains("note://plain"), Within, "the update of a readable resource did not arrive within 20 s");
        Assert.DoesNotContain("note://q3-plan", heard);
    }

    [Fact]
    public async Task ProviderSubscribe_AgentKillSwitchThrown_HearsNoUpdateAfterIt()
    {
        await using var client = await ConnectFilesAsync();
        var heard = Heard(client);
        client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            heard.Enqueue("list_changed");
            return ValueTask.CompletedTask;
        });
        await client.ListToolsAsync();
        await StreamOpenAsync(client, heard);
        await client.SubscribeToResourceAsync("note://q3-plan");

        // Suspended by an operator on another replica: only the switch in the shared store says so (a switch thrown through
        // this replica ends the stream: McpProviderStoppedStreamTests).
        await _mcp.Gateway.Host.Services.GetRequiredService<Gateway.Store.IStateStore>().SetAsync(Gateway.Oversight.Agents.AgentStatusService.SuspendedKey("demo", "demo-agent"), "operator", null);

        // The update finds the agent stopped: withheld, while what the server sends after it on the same stream arrives.
        await _mcp.Files.UpdatedAsync("note://q3-plan");
        await _mcp.Files.ToolsChangedAsync();
        await Eventually.HoldsAsync(() => heard.Contains("list_changed"), Within, "the server's next notification did not arrive within 20 s");
        Assert.DoesNotContain("note://q3-plan", heard);
    }

    /// <summary>The URI of each resource update <paramref name="client"/> hears, in order.</summary>
    private static ConcurrentQueue<string> Heard(McpClient client)
    {
        var heard = new ConcurrentQueue<string>();
        client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (notification, _) =>
        {
            heard.Enqueue(notification.Params?["uri"]?.GetValue<string>() ?? string.Empty);
            return ValueTask.CompletedTask;
        });
        return heard;
    }

    /// <summary>Waits until the session's event stream carries the server's notifications (one sent before it opened is dropped by the server).</summary>
    private async Task StreamOpenAsync(McpClient client, ConcurrentQueue<string> heard)
    {
        await client.SubscribeToResourceAsync("note://warm");
        await Eventually.HoldsAsync(async () =>
        {
            await _mcp.Files.UpdatedAsync("note://warm");
            return heard.Contains("note://warm");
        }, Within, "the session's event stream carried no update within 20 s");
    }

    /// <summary>The gateway with the files route and, for each of <paramref name="reads"/>, a rule blocking the reads of files whose argument matches the glob.</summary>
    private static Task<McpGateway> StartBlockingAsync(params (string Path, string Glob)[] reads) => McpGateway.StartAsync(text => text
        .Replace("      - { tool: files.write }\n", "      - { tool: files.write }\n      - { tool: files }\n", StringComparison.Ordinal)
        .Replace("rules:\n", "rules:\n" + string.Concat(reads.Select((read, i) =>
            $"  - id: blocked-read-{i}\n    match:\n      tools: [files]\n      args: [{{ path: {read.Path}, glob: \"{read.Glob}\" }}]\n    effect: block\n    reason: blocked_read\n")),
            StringComparison.Ordinal));

    /// <summary>A client of <c>/providers/files</c> at a revision that still has subscriptions, signed as the demo agent.</summary>
    private Task<McpClient> ConnectFilesAsync() => ConnectFilesAsync(_mcp);

    /// <summary>A client of <paramref name="mcp"/>'s <c>/providers/files</c> at a revision that still has subscriptions, signed as the demo agent.</summary>
    private static Task<McpClient> ConnectFilesAsync(McpGateway mcp) => McpClient.CreateAsync(
        new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(mcp.Gateway.Host.BaseAddress, "/providers/files"), TransportMode = HttpTransportMode.StreamableHttp },
            mcp.SignedHttp(),
            ownsHttpClient: true),
        new McpClientOptions { ClientInfo = new Implementation { Name = "gateway-tests", Version = "1.0" }, ProtocolVersion = "2025-11-25" });

    /// <summary>The server's own session id behind the one the gateway gave the client (<c>S.&lt;mac&gt;</c>).</summary>
    private static string UpstreamSession(McpClient client) => client.SessionId![..client.SessionId!.LastIndexOf('.')];

    private int PostsIn(string upstreamSession) => _mcp.Files.Requests.Count(r => r.Method == "POST" && r.SessionId == upstreamSession);

    private async Task<(string Body, string RequestId)> PostAsync(string json, string session)
    {
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/providers/files") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(request);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
        return (await response.Content.ReadAsStringAsync(), requestId);
    }
}
