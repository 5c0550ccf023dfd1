using Gateway.Proxy.Bundle;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A bundle reload reaches only the tenants whose policy it changes: another tenant added, edited or removed neither tells
/// the demo tenant's sessions their tools changed nor has its servers asked again for their tools; a reload that changes
/// the demo tenant's own policy does both.
/// </summary>
public sealed class McpSessionsPolicyScopeTests : IAsyncLifetime
{
    // A second tenant, with no MCP server of its own.
    private const string SpareTenant = """
        tenant: spare
        workspaces: [ws-spare]
        approvers: [{ id: sam }]
        catalog:
          - { name: spare.read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none, data_classes: [internal] }
        agents:
          - { id: spare-agent, human_owner: h@example.com, security_owner: sam, atf_level: L3, permissions: [{ tool: spare.read }] }
        """;

    private readonly TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private McpGateway _mcp = null!;
    private int _told;

    private string SpareFile => Path.Combine(_mcp.Gateway.Bundle.Directory, "spare.yaml");

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task OnPolicyApplied_OtherTenantChanged_SendsNoListChangedAndKeepsTheListing()
    {
        await using var client = await ConnectAsync();
        Assert.Contains(await client.ListToolsAsync(), t => t.Name == "notes__find");
        var (notes, files) = (_mcp.Notes.Listings, _mcp.Files.Listings);
        var updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await client.SubscribeToResourceAsync("gamut-mcp://notes/note%3A%2F%2Fq3-plan", (_, _) =>
        {
            updated.TrySetResult();
            return ValueTask.CompletedTask;
        });

        // Another tenant is added, edited, then removed: the demo tenant's policy stays as it was throughout.
        File.WriteAllText(SpareFile, SpareTenant);
        await ReloadAsync();
        File.WriteAllText(SpareFile, SpareTenant.Replace("atf_level: L3", "atf_level: L2", StringComparison.Ordinal));
        await ReloadAsync();
        File.Delete(SpareFile);
        await ReloadAsync();

        // A barrier, not a wait: the update comes on the session's one stream after anything the reloads sent it.
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        await updated.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await client.PingAsync();
        Assert.Equal(0, Volatile.Read(ref _told));
        Assert.Contains(await client.ListToolsAsync(), t => t.Name == "notes__find");
        Assert.Equal((notes, files), (_mcp.Notes.Listings, _mcp.Files.Listings));
    }

    [Fact]
    public async Task OnPolicyApplied_ItsOwnTenantChanged_SendsListChangedAndListsAgain()
    {
        File.WriteAllText(SpareFile, SpareTenant);
        await ReloadAsync();
        await using var client = await ConnectAsync();
        Assert.Contains(await client.ListToolsAsync(), t => t.Name == "notes__find");
        var notes = _mcp.Notes.Listings;

        _mcp.Gateway.Bundle.Rewrite(text => text.Replace("      - { tool: files.read }\n", string.Empty, StringComparison.Ordinal));
        await ReloadAsync();

        await _changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        Assert.DoesNotContain("files__read_file", names);
        Assert.Contains("notes__find", names);
        Assert.True(_mcp.Notes.Listings > notes, $"the notes server was asked {_mcp.Notes.Listings} time(s), {notes} before the reload");
    }

    private async Task ReloadAsync() => Assert.Empty(await _mcp.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());

    private Task<McpClient> ConnectAsync() => _mcp.ConnectAsync("2025-11-25", new McpClientHandlers
    {
        NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref _told);
            _changed.TrySetResult();
            return ValueTask.CompletedTask;
        })],
    });
}
