using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>resources/subscribe</c> on <c>/mcp</c> is bounded: so many resources per session and per agent
/// (<c>Gateway:Mcp:MaxSubscriptionsPerSession</c>, <c>MaxSubscriptionsPerAgent</c>; here 2 and 3), one more refused with a
/// stable code before the server is asked; a URI past the length limit is invalid params. The same resource again takes no
/// second place, and an unsubscribe gives its place back.
/// </summary>
public sealed class McpResourceSubscriptionsTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Gateway:Mcp:MaxSubscriptionsPerSession"] = "2",
        ["Gateway:Mcp:MaxSubscriptionsPerAgent"] = "3",
    });

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Subscribe_PastThePerSessionLimit_IsRefusedAndNothingIsKept()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        Assert.True((await SubscribeAsync(client.SessionId!, "a")).TryGetProperty("result", out _));
        Assert.True((await SubscribeAsync(client.SessionId!, "b")).TryGetProperty("result", out _));

        var refused = await SubscribeAsync(client.SessionId!, "c");

        var error = refused.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("mcp_subscription_limit", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(429, error.GetProperty("data").GetProperty("status").GetInt32());
        Assert.Equal(["note://a", "note://b"], _mcp.Notes.Subscribed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Subscribe_PastThePerAgentLimit_IsRefused()
    {
        await using var first = await _mcp.ConnectAsync("2025-11-25");
        await using var second = await _mcp.ConnectAsync("2025-11-25");
        Assert.True((await SubscribeAsync(first.SessionId!, "a")).TryGetProperty("result", out _));
        Assert.True((await SubscribeAsync(first.SessionId!, "b")).TryGetProperty("result", out _));
        Assert.True((await SubscribeAsync(second.SessionId!, "c")).TryGetProperty("result", out _));

        var refused = await SubscribeAsync(second.SessionId!, "d");

        Assert.Equal("mcp_subscription_limit", refused.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.DoesNotContain("note://d", _mcp.Notes.Subscribed);
    }

    [Fact]
    public async Task Subscribe_SameResourceAgainThenAnUnsubscribe_TakesOnePlaceAndGivesItBack()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        Assert.True((await SubscribeAsync(client.SessionId!, "a")).TryGetProperty("result", out _));
        Assert.True((await SubscribeAsync(client.SessionId!, "a")).TryGetProperty("result", out _));
        Assert.True((await SubscribeAsync(client.SessionId!, "b")).TryGetProperty("result", out _));

        await _mcp.PostInSessionAsync(client.SessionId!, """{"jsonrpc":"2.0","id":9,"method":"resources/unsubscribe","params":{"uri":"gamut-mcp://notes/note%3A%2F%2Fa"}}""");
        var afterUnsubscribe = await SubscribeAsync(client.SessionId!, "c");

        Assert.True(afterUnsubscribe.TryGetProperty("result", out _), afterUnsubscribe.GetRawText());
        await Eventually.HoldsAsync(() => _mcp.Notes.Unsubscribed.Contains("note://a"), TimeSpan.FromSeconds(10), "the server was not unsubscribed from note://a within 10 s");
    }

    [Fact]
    public async Task Subscribe_AfterAnotherSessionOfTheAgentEnded_TakesItsPlaces()
    {
        await using var ending = await _mcp.ConnectAsync("2025-11-25");
        await using var next = await _mcp.ConnectAsync("2025-11-25");
        foreach (var (session, note) in new[] { (ending.SessionId!, "a"), (ending.SessionId!, "b"), (next.SessionId!, "c") })
        {
            var subscribed = await SubscribeAsync(session, note);
            Assert.True(subscribed.TryGetProperty("result", out _), subscribed.GetRawText());
        }

        using (var http = _mcp.SignedHttp())
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, "/mcp"))
        {
            delete.Headers.TryAddWithoutValidation("Mcp-Session-Id", ending.SessionId);
            delete.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
            using var ended = await http.SendAsync(delete);
            Assert.True(ended.IsSuccessStatusCode, ended.StatusCode.ToString());
        }

        var afterEnd = await SubscribeAsync(next.SessionId!, "d");

        Assert.True(afterEnd.TryGetProperty("result", out _), afterEnd.GetRawText());
    }

    [Fact]
    public async Task Subscribe_UriLongerThanTheLimit_IsInvalidParams()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");

        var refused = await SubscribeAsync(client.SessionId!, new string('x', 2_100));

        var error = refused.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(_mcp.Notes.Subscribed);
    }

    /// <summary>Subscribes <paramref name="session"/> to the notes server's <c>note://</c><paramref name="note"/>.</summary>
    private Task<JsonElement> SubscribeAsync(string session, string note) =>
        _mcp.PostInSessionAsync(session, """{"jsonrpc":"2.0","id":7,"method":"resources/subscribe","params":{"uri":"gamut-mcp://notes/""" + Uri.EscapeDataString("note://" + note) + "\"}}");
}
