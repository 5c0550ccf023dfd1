using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;
using ModelContextProtocol.Client;
using OpenAI.Chat;

namespace Gamut.Agent.Tests;

/// <summary>
/// Provider-native clients signed by the SDK through the real gateway's provider route: an HttpClient with
/// the signing DelegatingHandler (plain and streamed), the official .NET OpenAI client with the pipeline
/// policy (plain and streamed), and the official .NET MCP client with the SDK's transport.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ProviderClientTests(GatewayEnvironment env) : IDisposable
{
    private readonly GamutClient _gamut = new(env.Demo);

    public void Dispose() => _gamut.Dispose();

    [Fact]
    public async Task SigningHandler_SendsASignedChatCompletion_TheGatewayInjectsTheKey()
    {
        using var http = new HttpClient(_gamut.CreateSigningHandler()) { BaseAddress = _gamut.ProviderUri("openai") };
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "placeholder");
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var completion = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("The gateway streamed this.", completion["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("Bearer openai-test-key", env.Upstream.Requests.Last(r => r.Path == "/v1/chat/completions").Authorization);
    }

    [Fact]
    public async Task SigningHandler_StreamsAStreamedChatCompletionInOrder()
    {
        using var http = new HttpClient(_gamut.CreateSigningHandler()) { BaseAddress = _gamut.ProviderUri("openai") };
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var pieces = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal) && JsonNode.Parse(line[6..])!["choices"]![0]!["delta"]!["content"] is { } content)
            {
                pieces.Add(content.GetValue<string>());
            }
        }

        Assert.Equal(SuiteUpstream.StreamPieces, pieces);
    }

    [Fact]
    public async Task OpenAIClient_WithThePipelinePolicy_CompletesAChat()
    {
        var chat = _gamut.CreateOpenAIClient().GetChatClient("gpt-4o-mini");
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("hello")]);
        Assert.Equal("The gateway streamed this.", completion.Content[0].Text);
        var received = env.Upstream.Requests.Last(r => r.Path == "/v1/chat/completions");
        Assert.Equal("Bearer openai-test-key", received.Authorization);
    }

    [Fact]
    public async Task OpenAIClient_WithThePipelinePolicy_StreamsInOrder()
    {
        var chat = _gamut.CreateOpenAIClient().GetChatClient("gpt-4o-mini");
        var pieces = new List<string>();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            pieces.AddRange(update.ContentUpdate.Select(p => p.Text));
        }

        Assert.Equal(SuiteUpstream.StreamPieces, pieces);
    }

    [Fact]
    public async Task OpenAIClient_SecretMaterialInAPrompt_IsRefusedBeforeSending()
    {
        var before = env.Upstream.Count("/v1/chat/completions");
        var chat = _gamut.CreateOpenAIClient().GetChatClient("gpt-4o-mini");
        await Assert.ThrowsAsync<GamutSecretMaterialException>(() => chat.CompleteChatAsync([new UserChatMessage("my key is sk-test0000000000000000000000fake")]));
        Assert.Equal(before, env.Upstream.Count("/v1/chat/completions"));
    }

    [Fact]
    public async Task McpClient_ListsOnlyPermittedTools_AndCallsOne()
    {
        await using var mcp = await McpClient.CreateAsync(_gamut.CreateMcpTransport("docs"));
        var tools = await mcp.ListToolsAsync();
        Assert.Equal(["search"], tools.Select(t => t.Name));
        var result = await mcp.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "gateways" });
        Assert.Equal("3 documents match \"gateways\"", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task McpClient_OnTheGatewaysOwnEndpoint_ListsEveryPermittedToolAndCallsOne()
    {
        await using var mcp = await McpClient.CreateAsync(_gamut.CreateMcpTransport());
        var names = (await mcp.ListToolsAsync()).Select(t => t.Name).ToList();
        Assert.Contains("docs__search", names);
        Assert.Contains("crm_read_contact", names);
        Assert.DoesNotContain("docs__delete_document", names);
        var result = await mcp.CallToolAsync("docs__search", new Dictionary<string, object?> { ["query"] = "gateways" });
        Assert.Equal("3 documents match \"gateways\"", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(result.Content[0]).Text);
        Assert.Equal("allow", result.Meta?["gamut.dev/decision"]?.GetValue<string>());
    }

    [Fact]
    public void WithWarrant_KeepsTheCallAndAddsTheWarrantUnderMeta()
    {
        var call = new ModelContextProtocol.Protocol.CallToolRequestParams { Name = "payments_refund", Meta = new System.Text.Json.Nodes.JsonObject { ["progressToken"] = 1 } };

        var retried = call.WithWarrant("w.1");

        Assert.Equal("payments_refund", retried.Name);
        Assert.Equal("w.1", retried.Meta?["gamut.dev/warrant"]?.GetValue<string>());
        Assert.Equal(1, retried.Meta?["progressToken"]?.GetValue<int>());
        Assert.Throws<ArgumentException>(() => call.WithWarrant(""));
    }
}
