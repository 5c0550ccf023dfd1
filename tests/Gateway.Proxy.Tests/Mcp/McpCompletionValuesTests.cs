using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A resource template's completions on <c>/mcp</c> list only the values whose resource the caller may read: each value
/// is decided as the read of the template expanded with it, not only the template as written.
/// </summary>
public sealed class McpCompletionValuesTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(text => text.Replace("rules:\n",
        "rules:\n  - id: no-q4-notes\n    match:\n      tools: [notes]\n      args: [{ path: $.uri, glob: \"note://q4*\" }]\n    effect: block\n    reason: q4_note\n",
        StringComparison.Ordinal));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Complete_ResourceTemplateValueWhoseReadARuleBlocks_IsLeftOut()
    {
        await using var client = await _mcp.ConnectAsync();

        var completed = await client.CompleteAsync(new ResourceTemplateReference { Uri = "gamut-mcp://notes/note%3A%2F%2F{id}" }, "id", "q");

        Assert.Equal(["q3-plan"], completed.Completion.Values);
    }

    [Theory]
    [InlineData("note://{id}", "note://q4-plan")]
    [InlineData("file:///{+path}", "file:///secrets/a.txt")]
    [InlineData("file:///{path}", "file:///secrets%2Fa.txt")]
    [InlineData("https://h{/path}{?q,lang}", "https://h/secrets%2Fa.txt?q=a%20b&lang=en")]
    [InlineData("note://{id}{#part}", "note://q4-plan")]
    public void Expand_Template_IsTheUriRfc6570Gives(string template, string uri) =>
        Assert.Equal(uri, Gateway.Proxy.Mcp.McpUriTemplate.Expand(template, new Dictionary<string, string> { ["id"] = "q4-plan", ["path"] = "secrets/a.txt", ["q"] = "a b", ["lang"] = "en" }));
}
