using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A delegated child's resource subscription hears an update only while the child would be let in (the signature check's
/// own predicate): a reload that tightens the tenant's <c>delegation:</c> settings past it ends its subscription too.
/// </summary>
public sealed class McpSubscriptionDelegationTests : IAsyncLifetime
{
    private const string Uri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
    private const string Settings = "delegation: { max_ttl: 15m, max_depth: 2 }";
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(DelegationCalls.TwoLevels);

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Update_ChildAfterReloadTurningDelegationOff_IsNotPassedOn()
    {
        var parent = new AgentClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret);
        var (child, _) = await DelegationCalls.DelegateAsync(parent, _mcp.Gateway.Host.Client, """{"name":"watcher","permissions":[{"tool":"notes","action_types":["read"]}]}""");
        await using var client = await _mcp.ConnectAsync(_mcp.SignedHttp(child.Agent, child.Secret), "2025-11-25");
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        // Not disposed: once delegation is off, the child's unsubscribe is refused like its every request.
        _ = await client.SubscribeToResourceAsync(Uri, (updated, _) => updates.Writer.WriteAsync(updated.Uri));
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            Assert.Equal(Uri, await updates.Reader.ReadAsync(wait.Token));
        }

        _mcp.Gateway.Bundle.Rewrite(text =>
        {
            Assert.Contains(Settings, text, StringComparison.Ordinal);
            return text.Replace(Settings, "delegation: { max_ttl: 15m, max_depth: 0 }", StringComparison.Ordinal);
        });
        Assert.Empty(await _mcp.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());

        // The next update finds the child no longer let in: it hears nothing, and with no subscriber left the server is unsubscribed.
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        await Eventually.HoldsAsync(() => _mcp.Notes.Unsubscribed.Contains("note://q3-plan"), TimeSpan.FromSeconds(10), "the server was not unsubscribed within 10 s");
        Assert.False(updates.Reader.TryRead(out _));
    }
}
