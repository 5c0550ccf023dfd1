using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A tool call on <c>/mcp</c> for a person whose own account at a <c>per_person</c> connector's upstream is not linked:
/// offered as a URL elicitation of the link page to a client that accepts one (-32042 with <c>data.elicitations</c> before
/// the 2026-07-28 revision, an <c>input_required</c> result from it), the refusal's code and <c>link_url</c> kept; a
/// client that accepts none gets the refusal with its <c>link_url</c>. Nothing reaches the upstream.
/// </summary>
public sealed class McpLinkElicitationTests : IAsyncLifetime
{
    private const string Call = """{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"docs__search","arguments":{"query":"q"}META}}""";
    private const string AcceptsUrl = ""","_meta":{"io.modelcontextprotocol/clientCapabilities":{"elicitation":{"url":{}}}}""";

    private TestAuthorizationServer _server = null!;
    private PersonGateway _people = null!;

    public async Task InitializeAsync()
    {
        _server = await TestAuthorizationServer.StartAsync();
        _people = await PersonGateway.StartAsync(text => text.Replace(
            "    upstream: http://127.0.0.1:9200/mcp\n    credential: none\n",
            "    upstream: http://127.0.0.1:9200/mcp\n    credential: none\n    person: { credential: per_person, authorization_server: \"" + _server.Issuer
                + "\", client: { id: " + TestAuthorizationServer.ClientId + ", secret: \"vault:docs-client\" }, scopes: [docs.read] }\n",
            StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _people.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task CallTool_NotLinkedAndTheClientAcceptsUrlElicitation_IsOfferedTheLinkPage()
    {
        var answer = await CallAsync(AcceptsUrl);

        var error = answer.GetProperty("error");
        Assert.Equal(-32042, error.GetProperty("code").GetInt32());
        var data = error.GetProperty("data");
        Assert.Equal("upstream_account_not_linked", data.GetProperty("code").GetString());
        var link = data.GetProperty("link_url").GetString()!;
        Assert.Matches("/connections/demo/docs/link\\?grant=[A-Za-z0-9_-]{43}$", link);
        var elicitation = Assert.Single(data.GetProperty("elicitations").EnumerateArray());
        Assert.Equal("url", elicitation.GetProperty("mode").GetString());
        Assert.Equal(link, elicitation.GetProperty("url").GetString());
        Assert.EndsWith("grant=" + elicitation.GetProperty("elicitationId").GetString(), link, StringComparison.Ordinal);
        Assert.Contains("not linked", elicitation.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_NotLinkedAt20260728_IsAnInputRequiredResultWithAUrlElicitation()
    {
        var answer = await CallAsync(""","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{"url":{}}}}""",
            ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "docs__search"));

        Assert.False(answer.TryGetProperty("error", out _), answer.GetRawText());
        var result = answer.GetProperty("result");
        Assert.Equal("input_required", result.GetProperty("resultType").GetString());
        var request = Assert.Single(result.GetProperty("inputRequests").EnumerateObject());
        Assert.Equal("elicitation/create", request.Value.GetProperty("method").GetString());
        var parameters = request.Value.GetProperty("params");
        Assert.Equal("url", parameters.GetProperty("mode").GetString());
        Assert.Equal(request.Name, parameters.GetProperty("elicitationId").GetString());
        var refusal = result.GetProperty("_meta").GetProperty("gamut.dev/refusal");
        Assert.Equal("upstream_account_not_linked", refusal.GetProperty("code").GetString());
        Assert.Equal(refusal.GetProperty("link_url").GetString(), parameters.GetProperty("url").GetString());
    }

    [Fact]
    public async Task CallTool_NotLinkedAndTheClientAcceptsNoUrlElicitation_IsTheRefusalWithItsLinkUrl()
    {
        var answer = await CallAsync(string.Empty);

        var error = answer.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("upstream_account_not_linked", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("/connections/demo/docs/link?grant=", error.GetProperty("data").GetProperty("link_url").GetString(), StringComparison.Ordinal);
        Assert.False(error.GetProperty("data").TryGetProperty("elicitations", out _));
    }

    private async Task<JsonElement> CallAsync(string meta, params (string Name, string Value)[] headers)
    {
        var agent = _people.Gateway.Agent;
        using var request = agent.CreateForPerson(HttpMethod.Post, "/mcp", Call.Replace("META", meta, StringComparison.Ordinal), _people.Provider.Issue("erin"));
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await agent.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Empty(_people.Gateway.Upstream.To("/mcp"));
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
