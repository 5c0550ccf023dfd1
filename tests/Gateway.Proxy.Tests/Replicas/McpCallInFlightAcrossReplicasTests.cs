using System.Text;
using Gamut.Agent;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A tool call in flight on <c>/mcp</c> on one replica, its agent stopped through the other replica's admin API (two
/// gateways, one redis-server, a real MCP server of the official .NET SDK holding the call): the replica that runs the
/// call hears no event, and ends it all the same from its periodic recheck (<c>Gateway:Mcp:InFlightRecheckInterval</c>,
/// 1 s by default) rather than relay its answer when the server gives one.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class McpCallInFlightAcrossReplicasTests : IAsyncLifetime
{
    private const string AgentPath = "/admin/v1/tenants/demo/agents/";
    private McpTestServer _notes = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _notes = await McpTestServer.StartAsync(("find", "Finds notes."));
        _cluster = await ReplicaCluster.StartAsync(2, rewrite: text => text
            .Replace("catalog:\n", $$"""
                catalog:
                  - { name: notes, kind: mcp, action_type: read, target_system: notes, upstream: "{{_notes.Url}}", credential: none }
                  - { name: notes.find, kind: mcp_tool, action_type: read, target_system: notes, connector: notes, mcp_tool: find }

                """.Replace("\r", string.Empty), StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: notes }\n      - { tool: notes.find }\n", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        _notes?.Hold?.TrySetResult();
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_notes?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task KillSwitch_ThrownThroughReplicaAWithACallInFlightOnReplicaB_EndsTheCallWithinTheRecheckInterval()
    {
        _notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = CallOnReplicaBAsync("demo-agent", _cluster.Bundle.AgentSecret, 61);
        await Eventually.HoldsAsync(() => !_notes.Calls.IsEmpty, TimeSpan.FromSeconds(5), "the call did not reach the server within 5 s");

        await PostAdminOnReplicaAAsync(AgentPath + "demo-agent/suspend");

        // Well past the 1 s interval, far short of the 30 min idle timeout the call would otherwise run to.
        var ended = await Xunit.Record.ExceptionAsync(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        _notes.Hold.SetResult();
        Assert.IsAssignableFrom<HttpRequestException>(ended);
        Assert.Single(_notes.Calls);
    }

    [Fact]
    public async Task RevokeDelegation_ThroughReplicaAWithTheChildsCallInFlightOnReplicaB_EndsTheCall()
    {
        var parent = _cluster.Agent(0);
        var (child, _) = await DelegationCalls.DelegateAsync(parent, _cluster[0].Client,
            """{"name":"notes-reader","permissions":[{"tool":"notes","action_types":["read"]},{"tool":"notes.find","action_types":["read"]}],"data_class_ceiling":"internal"}""");
        _notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = CallOnReplicaBAsync(child.Agent, child.Secret, 62);
        await Eventually.HoldsAsync(() => !_notes.Calls.IsEmpty, TimeSpan.FromSeconds(5), "the child's call did not reach the server within 5 s");

        await PostAdminOnReplicaAAsync(AgentPath + child.Agent + "/revoke-delegation");

        var ended = await Xunit.Record.ExceptionAsync(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        _notes.Hold.SetResult();
        Assert.IsAssignableFrom<HttpRequestException>(ended);
        Assert.Single(_notes.Calls);
    }

    /// <summary>A <c>tools/call</c> of <c>notes__find</c> on replica B (the second), signed as <paramref name="agent"/>; completes with the body, or throws when the call's response is cut.</summary>
    private async Task<string> CallOnReplicaBAsync(string agent, string secret, int id)
    {
        var replica = _cluster[1].BaseAddress;
        using var http = new HttpClient(new GamutSigningHandler(new GamutOptions
        {
            BaseUrl = replica.ToString(),
            Tenant = "demo",
            Workspace = "ws-demo",
            AgentId = agent,
            Secret = secret,
        })) { BaseAddress = replica };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":""" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ""","method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task PostAdminOnReplicaAAsync(string path)
    {
        using var response = await _cluster.Admin(0).PostAsync(path, content: null);
        response.EnsureSuccessStatusCode();
    }
}
