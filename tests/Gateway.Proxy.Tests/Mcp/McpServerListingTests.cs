using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>resources/list</c> (and <c>prompts/list</c>, <c>resources/templates/list</c>) on <c>/mcp</c> read each server's
/// listing once however many ask at the same time, keep it as long as a tool list is kept, never hold up the server's
/// other uses (a tool listing) while a server pages, and count against the agent's calls in flight.
/// </summary>
public sealed class McpServerListingTests : IAsyncLifetime
{
    private const string Q3Plan = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";

    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ListResources_ManyConcurrentFromOneAgent_ServerIsAskedOnce()
    {
        await using var client = await _mcp.ConnectAsync();
        var hold = _mcp.Notes.HoldResourceListing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = _mcp.Notes.ResourceListings;

        var listings = Enumerable.Range(0, 16).Select(_ => client.ListResourcesAsync().AsTask()).ToList();
        await Eventually.HoldsAsync(() => _mcp.Notes.ResourceListings > before, TimeSpan.FromSeconds(10), "the server was not asked for its resources within 10 s");
        hold.SetResult();
        var listed = await Task.WhenAll(listings).WaitAsync(TimeSpan.FromSeconds(30));
        var again = await client.ListResourcesAsync();

        Assert.All(listed, resources => Assert.Contains(resources, r => r.Uri == Q3Plan));
        Assert.Contains(again, r => r.Uri == Q3Plan);
        Assert.Equal(1, _mcp.Notes.ResourceListings - before);
    }

    [Fact]
    public async Task ListTools_WhileAResourceListingIsInFlight_IsAnswered()
    {
        await using var client = await _mcp.ConnectAsync();
        await using var other = await _mcp.ConnectAsync();
        _mcp.Gateway.Host.Services.GetRequiredService<McpServerToolLists>().Invalidate();
        var hold = _mcp.Notes.HoldResourceListing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = _mcp.Notes.ResourceListings;
        var resources = client.ListResourcesAsync().AsTask();
        try
        {
            await Eventually.HoldsAsync(() => _mcp.Notes.ResourceListings > before, TimeSpan.FromSeconds(10), "the server was not asked for its resources within 10 s");

            var tools = await other.ListToolsAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Contains(tools, t => t.Name == "notes__find");
            Assert.False(resources.IsCompleted);
        }
        finally
        {
            hold.TrySetResult();
        }

        Assert.Contains(await resources.WaitAsync(TimeSpan.FromSeconds(30)), r => r.Uri == Q3Plan);
    }

    [Fact]
    public async Task ListResources_PastTheAgentsCallsInFlight_IsRefusedWithThePendingLimit()
    {
        await _mcp.DisposeAsync();
        _mcp = await McpGateway.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:Mcp:MaxPendingCallsPerAgent"] = "1" });
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        var hold = _mcp.Notes.HoldResourceListing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = _mcp.Notes.ResourceListings;
        var first = client.ListResourcesAsync().AsTask();
        JsonElement second;
        try
        {
            await Eventually.HoldsAsync(() => _mcp.Notes.ResourceListings > before, TimeSpan.FromSeconds(10), "the server was not asked for its resources within 10 s");

            second = await _mcp.PostInSessionAsync(client.SessionId!, """{"jsonrpc":"2.0","id":"again","method":"prompts/list"}""").WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            hold.TrySetResult();
        }

        var error = second.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("mcp_pending_limit", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(429, error.GetProperty("data").GetProperty("status").GetInt32());
        Assert.Contains(await first.WaitAsync(TimeSpan.FromSeconds(30)), r => r.Uri == Q3Plan);
        Assert.NotEmpty(await client.ListPromptsAsync());
    }
}
