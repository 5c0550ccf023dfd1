using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// An <c>mcp_tool</c> degraded to <c>dry_run</c>, called on <c>/mcp</c> or <c>/v1/actions/invoke-tool</c> (where the gateway
/// builds the <c>tools/call</c> itself): the agent's own dry-run argument is refused, as on <c>/providers/&lt;server&gt;</c>,
/// since a server that reads it rather than the gateway's <c>X-Gamut-Dry-Run</c> would act. A real MCP server (the
/// official .NET SDK) records what reaches it.
/// </summary>
public sealed class McpDryRunDegradeTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    // notes.find (the notes server's find) is degraded to dry_run when its text starts "rehearse".
    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(text => text.Replace("rules:\n",
        "rules:\n  - id: rehearsed-finds\n    match:\n      tools: [notes.find]\n      args: [{ path: $.text, glob: \"rehearse*\" }]\n    effect: degrade\n    degrade: dry_run\n    reason: rehearsed_find\n",
        StringComparison.Ordinal));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task CallTool_DryRunDegradeWithTheAgentsOwnDryRunArgument_IsRefusedAndNothingForwarded()
    {
        var (status, answer) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"rehearse","dry_run":false}}}""");
        using var invoked = await _mcp.Gateway.Agent.SendAsync(_mcp.Gateway.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"notes.find","args":{"text":"rehearse","DryRun":"false"}}"""));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("degrade_refused", answer.ToString(), StringComparison.Ordinal);
        await ProblemAssert.IsProblemAsync(invoked, HttpStatusCode.Forbidden, "degrade_refused");
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task CallTool_DryRunDegradeWithoutADryRunArgument_IsForwarded()
    {
        var (_, answer) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"rehearse"}}}""");

        Assert.False(answer.TryGetProperty("error", out _), answer.ToString());
        Assert.Equal("find", Assert.Single(_mcp.Notes.Calls).Tool);
    }
}
