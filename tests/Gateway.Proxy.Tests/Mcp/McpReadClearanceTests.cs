using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>completion/complete</c> and <c>resources/subscribe</c> on <c>/mcp</c> tell a caller what a server holds only where the
/// policy lets it make the read they are about: a rule that blocks the prompt or the resource blocks the completion or the
/// subscription (decided as that read, refused as any governed call), completed values whose read a rule blocks are left
/// out, and they come back redacted as any answer.
/// </summary>
public sealed class McpReadClearanceTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    // Rules on what /mcp decides a prompt (its arguments: no topic starting with g) and a resource read (its URI) of the notes server with.
    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(text => text.Replace("rules:\n",
        "rules:\n  - id: no-g-topics\n    match:\n      tools: [notes]\n      args: [{ path: $.arguments.topic, glob: \"g*\" }]\n    effect: block\n    reason: g_topics\n"
        + "  - id: no-note-templates\n    match:\n      tools: [notes]\n      args: [{ path: $.uri, glob: \"note://{id}\" }]\n    effect: block\n    reason: note_templates\n"
        + "  - id: no-hr-notes\n    match:\n      tools: [notes]\n      args: [{ path: $.uri, glob: \"note://hr/*\" }]\n    effect: block\n    reason: hr_note\n",
        StringComparison.Ordinal));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Complete_PromptTheRulesLetThrough_AnswersTheValuesRedacted()
    {
        await using var client = await _mcp.ConnectAsync();

        var completed = await client.CompleteAsync(new PromptReference { Name = "notes__summarize" }, "topic", "o");

        Assert.Equal(["owner [REDACTED:email]"], completed.Completion.Values);
    }

    [Fact]
    public async Task Complete_ArgumentsARuleBlocks_IsRefusedByPolicy()
    {
        await using var client = await _mcp.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CompleteAsync(new PromptReference { Name = "notes__summarize" }, "topic", "g").AsTask());

        Assert.Equal(-31000, (int)refused.ErrorCode);
    }

    [Fact]
    public async Task Complete_ValuesWhoseReadARuleBlocks_AreLeftOut()
    {
        await using var client = await _mcp.ConnectAsync();

        // Typed nothing yet: the server offers every topic, "gateway" and "governance" among them, which no-g-topics blocks.
        var completed = await client.CompleteAsync(new PromptReference { Name = "notes__summarize" }, "topic", string.Empty);

        Assert.Equal(["roadmap", "owner [REDACTED:email]"], completed.Completion.Values);
    }

    [Fact]
    public async Task Complete_ResourceTemplateARuleBlocks_IsRefusedByPolicy()
    {
        await using var client = await _mcp.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CompleteAsync(new ResourceTemplateReference { Uri = "gamut-mcp://notes/note%3A%2F%2F{id}" }, "id", "q4").AsTask());

        Assert.Equal(-31000, (int)refused.ErrorCode);
    }

    [Fact]
    public async Task Subscribe_ResourceARuleBlocks_IsRefusedAndTheServerIsNotAsked()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");

        await Assert.ThrowsAsync<McpProtocolException>(async () => await client.SubscribeToResourceAsync("gamut-mcp://notes/note%3A%2F%2Fhr%2Fpay", (_, _) => ValueTask.CompletedTask));

        Assert.Equal(0, _mcp.Notes.Subscribers);
    }
}
