using Gateway.Oversight.Agents;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// The kill switches the Admit stage checks stop a caller on the MCP session's own paths too (one check,
/// <c>AgentStatusService.IsStoppedAsync</c>): a resource subscription hears no update once the secret its agent
/// signed with is retired, nor a delegated child's once the secret its agent issued it with is; a call in flight signed by
/// a secret an operator retires through this replica ends at once, as a suspension ends it.
/// </summary>
public sealed class McpRetiredSecretTests : IAsyncLifetime
{
    private const string Uri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Subscribe_AgentsSigningSecretRetired_HearsNoUpdateAfterIt()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        // Not disposed: once its secret is retired, the agent's unsubscribe is refused like its every request.
        _ = await client.SubscribeToResourceAsync(Uri, (updated, _) => updates.Writer.WriteAsync(updated.Uri));
        await AssertHeardAsync(updates);

        await RetireDemoAgentsSecretAsync();

        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        await WaitForAsync(() => _mcp.Notes.Unsubscribed.Contains("note://q3-plan"));
        Assert.False(updates.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Subscribe_DelegatedChildsIssuingSecretRetired_HearsNoUpdateAfterIt()
    {
        var parent = new AgentClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret);
        var (child, _) = await DelegationCalls.DelegateAsync(parent, _mcp.Gateway.Host.Client, """{"name":"watcher","permissions":[{"tool":"notes","action_types":["read"]}]}""");
        await using var client = await _mcp.ConnectAsync(_mcp.SignedHttp(child.Agent, child.Secret), "2025-11-25");
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        _ = await client.SubscribeToResourceAsync(Uri, (updated, _) => updates.Writer.WriteAsync(updated.Uri));
        await AssertHeardAsync(updates);

        // The secret the agent signed the delegation with: retiring it retires the child with it.
        await RetireDemoAgentsSecretAsync();

        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        await WaitForAsync(() => _mcp.Notes.Unsubscribed.Contains("note://q3-plan"));
        Assert.False(updates.Reader.TryRead(out _));
    }

    [Fact]
    public async Task RetireSecret_WithACallInFlightSignedByIt_EndsTheCallAtOnce()
    {
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _mcp.PostRawAsync("""{"jsonrpc":"2.0","id":53,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"}}}""");
        await Eventually.HoldsAsync(() => !_mcp.Notes.Calls.IsEmpty, TimeSpan.FromSeconds(5), "the call did not reach the server within 5 s");

        await RetireDemoAgentsSecretAsync();

        var ended = await Xunit.Record.ExceptionAsync(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        _mcp.Notes.Hold.SetResult();
        Assert.IsAssignableFrom<HttpRequestException>(ended);
        Assert.Single(_mcp.Notes.Calls);
    }

    // Retired through this replica, as the admin API's retire-secret does once a rotation is under way.
    private async Task RetireDemoAgentsSecretAsync()
    {
        var services = _mcp.Gateway.Host.Services;
        var current = services.GetRequiredService<IAgentSecretRotation>().CredentialsOf("demo", "demo-agent")!.Slots[0].Fingerprint;
        await services.GetRequiredService<AgentStatusService>().RetireSecretAsync("demo", "demo-agent", current, "test-operator");
    }

    private async Task AssertHeardAsync(System.Threading.Channels.Channel<string> updates)
    {
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal(Uri, await updates.Reader.ReadAsync(wait.Token));
    }

    private static Task WaitForAsync(Func<bool> condition) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(10), "the condition did not hold within 10 s");
}
