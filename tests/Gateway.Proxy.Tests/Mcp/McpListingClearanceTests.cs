namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>resources/list</c>, <c>resources/templates/list</c> and <c>prompts/list</c> on <c>/mcp</c> leave out each item whose
/// read a rule blocks for the caller (a resource as the read of its URI, a template as written, a prompt as its get), as
/// completions withhold such values; an item whose read needs an approval is still listed.
/// </summary>
public sealed class McpListingClearanceTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(text => text.Replace("rules:\n",
        "rules:\n  - id: no-q3-notes\n    match:\n      tools: [notes]\n      args: [{ path: $.uri, glob: \"note://q3*\" }]\n    effect: block\n    reason: q3_note\n"
        + "  - id: summaries-need-approval\n    match:\n      tools: [notes]\n      args: [{ path: $.prompt, glob: \"summ*\" }]\n    effect: require_approval\n    reason: summary\n    approvers: [alice]\n",
        StringComparison.Ordinal));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ListResources_ResourceWhoseReadARuleBlocks_IsLeftOut()
    {
        await using var client = await _mcp.ConnectAsync();

        var uris = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();

        Assert.Equal(["gamut-context://workspace"], uris);
    }

    [Fact]
    public async Task ListResourceTemplates_TemplateWhoseReadNoRuleBlocks_IsListed()
    {
        await using var client = await _mcp.ConnectAsync();

        var templates = (await client.ListResourceTemplatesAsync()).Select(t => t.UriTemplate).ToList();

        Assert.Equal(["gamut-mcp://notes/note%3A%2F%2F{id}"], templates);
    }

    [Fact]
    public async Task ListPrompts_PromptWhoseGetNeedsAnApproval_IsListed()
    {
        await using var client = await _mcp.ConnectAsync();

        var names = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();

        Assert.Equal(["notes__summarize"], names);
    }
}
