using System.Net;
using System.Text.Json;
using Gateway.Policy;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// A model request's <c>tools</c> may hand the provider only tools the agent runs (functions), and the tools the provider
/// runs itself that the connector's <c>provider_tools</c> lists (here <c>web_search</c> and <c>file_search</c>); any other
/// (code execution, a computer, a shell, image generation, an unlisted search), and any MCP server even where listed, is
/// refused 400 <c>provider_tool_not_allowed</c> on both model routes, recorded, nothing forwarded.
/// </summary>
public sealed class ModelProviderToolsTests : IClassFixture<ModelProviderToolsTests.ListingFixture>
{
    private const string OpenAIEntry = "    target_system: openai\n    upstream: http://127.0.0.1:9100/v1\n";

    private readonly GovernedGateway _gw;

    public ModelProviderToolsTests(ListingFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"hi","tools":[{"type":"code_interpreter","container":{"type":"auto"}}]}""")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"hi","tools":[{"type":"function","name":"f","parameters":{}},{"type":"image_generation"}]}""")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"hi","tools":[{"type":"web_search_preview"}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"Tools":[{"type":"code_interpreter"}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"Function","function":{"name":"f"}}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","Type":"code_interpreter","function":{"name":"f"}}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":{"type":"code_interpreter"}}""")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"hi","tools":[{"type":"namespace","name":"ns","description":"d","tools":[{"type":"function","name":"f"},{"type":"code_interpreter"}]}]}""")]
    public async Task Providers_HostedToolNotAllowedByTheEntry_IsRefusedAndNothingForwarded(string path, string body)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path, body));

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "provider_tool_not_allowed");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);
    }

    [Fact]
    public async Task ModelAction_HostedToolNotAllowedByTheEntry_IsRefusedAndRecorded()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/model",
            """{"connector":"openai","request":{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"code_interpreter"}]}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "provider_tool_not_allowed");
        Assert.Contains("provider_tools does not list 'code_interpreter'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);
    }

    [Theory]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"hi","tools":[{"type":"mcp","server_label":"x","server_url":"https://evil.example/mcp","require_approval":"never"}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"mcp_servers":[{"type":"url","url":"https://evil.example/mcp","name":"x"}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"MCP_Servers":[]}""")]
    public async Task Providers_McpServerTool_IsRefusedEvenWhenListed(string path, string body)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path, body));

        var error = await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "provider_tool_not_allowed");
        Assert.Contains("never allowed", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);

        // An entry that lists mcp (which no bundle loads: invalid_value) still passes no MCP server, on either provider.
        foreach (var kind in (ConnectorKind[])[ConnectorKind.OpenAI, ConnectorKind.Anthropic])
        {
            var listing = Entry(kind, "mcp", "mcp_toolset", "web_search");
            Assert.NotNull(ModelProviderTools.Refusal(listing, JsonElement.Parse(body)));
            Assert.NotNull(ModelProviderTools.Refusal(listing, JsonElement.Parse("""{"tools":[{"type":"mcp_toolset","mcp_server_name":"x"}]}""")));
        }
    }

    [Theory]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"#M#"}],"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}]}""")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"#M#","tools":[{"type":"function","name":"lookup","parameters":{}},{"type":"custom","name":"grammar"}],"tool_choice":"auto"}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"#M#"}],"tools":null}""")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"#M#","tools":[{"type":"namespace","name":"crm","description":"d","tools":[{"type":"function","name":"lookup"},{"type":"custom","name":"g"}]}]}""")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"#M#","tools":[{"type":"local_shell"}]}""")]
    [InlineData("/providers/openai/responses", """{"model":"computer-use-preview","input":"#M#","tools":[{"type":"computer_use_preview","display_width":1024,"display_height":768,"environment":"browser"}]}""")]
    public async Task Providers_FunctionTools_AreForwarded(string path, string body)
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path, body.Replace("#M#", marker, StringComparison.Ordinal)));

        Assert.NotEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(_gw.Upstream.Received, r => r.Body.Contains(marker, StringComparison.Ordinal));

        // Anthropic's client tools: no type, or custom.
        var claude = Entry(ConnectorKind.Anthropic);
        Assert.Null(ModelProviderTools.Refusal(claude, JsonElement.Parse("""{"tools":[{"name":"lookup","input_schema":{"type":"object"}},{"type":"custom","name":"g","input_schema":{}}]}""")));
        Assert.NotNull(ModelProviderTools.Refusal(claude, JsonElement.Parse("""{"tools":[{"type":"function","name":"f"}]}""")));
    }

    [Theory]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","input":"#M#","tools":[{"type":"web_search"},{"type":"file_search","vector_store_ids":["vs_1"]},{"type":"function","name":"f","parameters":{}}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o-search-preview","messages":[{"role":"user","content":"#M#"}],"web_search_options":{}}""")]
    public async Task Providers_ListedHostedTool_IsForwarded(string path, string body)
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path, body.Replace("#M#", marker, StringComparison.Ordinal)));

        Assert.NotEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(_gw.Upstream.Received, r => r.Body.Contains(marker, StringComparison.Ordinal));

        // Anthropic's server tools are listed by their name before the date suffix (or whole).
        var claude = Entry(ConnectorKind.Anthropic, "web_search", "text_editor_20250728");
        Assert.Null(ModelProviderTools.Refusal(claude, JsonElement.Parse("""{"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3},{"type":"text_editor_20250728","name":"str_replace_based_edit_tool"}]}""")));
        Assert.NotNull(ModelProviderTools.Refusal(claude, JsonElement.Parse("""{"tools":[{"type":"code_execution_20250522","name":"code_execution"}]}""")));
        Assert.NotNull(ModelProviderTools.Refusal(claude, JsonElement.Parse("""{"tools":[{"type":"web_fetch_20250910","name":"web_fetch"}]}""")));

        // The tools Anthropic defines that the agent's own machine carries out pass unlisted.
        Assert.Null(ModelProviderTools.Refusal(Entry(ConnectorKind.Anthropic), JsonElement.Parse("""{"tools":[{"type":"bash_20250124","name":"bash"},{"type":"text_editor_20250124","name":"str_replace_editor"},{"type":"computer_20250124","name":"computer","display_width_px":1024,"display_height_px":768}]}""")));
    }

    private static CatalogEntry Entry(ConnectorKind kind, params string[] providerTools) => new()
    {
        Name = "model",
        Kind = kind,
        ActionType = ActionType.ModelInference,
        Upstream = new Uri("https://api.example.com/v1"),
        ProviderTools = providerTools,
    };

    private async Task AssertRefusalRecordedAsync(HttpResponseMessage response)
    {
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("openai", record.GetProperty("tool").GetString());
        Assert.Contains("provider_tool_not_allowed", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The example gateway, its openai connector listing <c>web_search</c> and <c>file_search</c> in <c>provider_tools</c>.</summary>
    public sealed class ListingFixture : IAsyncLifetime
    {
        public GovernedGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync() => Gateway = await GovernedGateway.StartAsync(static text =>
        {
            Assert.Contains(OpenAIEntry, text, StringComparison.Ordinal);
            return text.Replace(OpenAIEntry, OpenAIEntry + "    provider_tools: [web_search, file_search]\n", StringComparison.Ordinal);
        }).ConfigureAwait(false);

        public async Task DisposeAsync() => await Gateway.DisposeAsync().ConfigureAwait(false);
    }
}
