using System.Net;
using System.Net.Http.Headers;
using Gateway.Oversight.Agents;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>/mcp</c> driven by the official .NET MCP client holding an OAuth access token instead of a signing secret: it
/// sees and may call exactly what the signed agent may, the upstream receives the vault credential and never the token,
/// a kill switch refuses the token at once, and a DPoP-bound token needs a fresh proof on every request.
/// </summary>
public sealed class McpAccessTokenTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;
    private OAuthClient _oauth = null!;

    public async Task InitializeAsync()
    {
        _mcp = await McpGateway.StartAsync();
        _oauth = new OAuthClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret);
    }

    public async Task DisposeAsync()
    {
        _oauth.Dispose();
        await _mcp.DisposeAsync();
    }

    [Fact]
    public async Task CallTool_WithABearerToken_ListsAndCallsWhatTheSignedAgentMay()
    {
        var token = await _oauth.TokenAsync("/mcp");
        await using var signed = await _mcp.ConnectAsync();
        await using var client = await ConnectAsync(new TokenHandler(_oauth, token, dpop: false));

        var viaToken = (await client.ListToolsAsync()).Select(static t => t.Name).Order(StringComparer.Ordinal).ToList();
        var viaSignature = (await signed.ListToolsAsync()).Select(static t => t.Name).Order(StringComparer.Ordinal).ToList();
        var result = await client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "gateway" });
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("notes__erase").AsTask());

        Assert.Equal(viaSignature, viaToken);
        Assert.NotEqual(true, result.IsError);
        var call = Assert.Single(_mcp.Notes.Calls);
        Assert.Equal("Bearer " + McpGateway.NotesCredential, call.Authorization);
        Assert.Equal(-31000, (int)refused.ErrorCode);
        Assert.DoesNotContain(_mcp.Notes.Calls, c => c.Tool == "erase");
    }

    [Fact]
    public async Task Post_BearerTokenAfterTheAgentsSecretIsRevoked_IsRefusedAtOnce()
    {
        var token = await _oauth.TokenAsync("/mcp");
        using var http = new HttpClient(new TokenHandler(_oauth, token, dpop: false) { InnerHandler = new HttpClientHandler() }) { BaseAddress = _mcp.Gateway.Host.BaseAddress };
        using var before = await PostInitializeAsync(http);

        await _mcp.Gateway.Host.Services.GetRequiredService<AgentStatusService>().RevokeSecretAsync("demo", "demo-agent", "test");
        using var after = await PostInitializeAsync(http);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Contains("secret_revoked", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_WithADpopBoundToken_EveryRequestCarriesAProofAndAReplayedOneIsRefused()
    {
        var token = await _oauth.TokenAsync("/mcp", dpop: true);
        var handler = new TokenHandler(_oauth, token, dpop: true);
        await using (var client = await ConnectAsync(handler))
        {
            var result = await client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "bound" });
            Assert.NotEqual(true, result.IsError);
        }

        using var http = new HttpClient { BaseAddress = _mcp.Gateway.Host.BaseAddress };
        using var replay = Initialize();
        replay.Headers.Authorization = new AuthenticationHeaderValue("DPoP", token);
        replay.Headers.Add("DPoP", handler.LastProof);
        using var replayed = await http.SendAsync(replay);
        using var withoutProof = Initialize();
        withoutProof.Headers.Authorization = new AuthenticationHeaderValue("DPoP", token);
        using var refused = await http.SendAsync(withoutProof);

        // The proof's jti is the request's nonce: the /mcp gate's admission refuses it (a JSON-RPC error, as every /mcp refusal).
        var replayedJson = System.Text.Json.JsonDocument.Parse(await replayed.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("replayed_nonce", replayedJson.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "dpop_proof_invalid");
    }

    private Task<McpClient> ConnectAsync(DelegatingHandler handler)
    {
        handler.InnerHandler = new HttpClientHandler();
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(_mcp.Gateway.Host.BaseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            new HttpClient(handler),
            ownsHttpClient: true);
        return McpClient.CreateAsync(transport, new McpClientOptions { ClientInfo = new Implementation { Name = "oauth-tests", Version = "1.0" } });
    }

    private static HttpRequestMessage Initialize()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        return request;
    }

    private static Task<HttpResponseMessage> PostInitializeAsync(HttpClient http) => http.SendAsync(Initialize());

    /// <summary>What an OAuth-only MCP client adds to each request: the token, and with DPoP a fresh proof for the request.</summary>
    private sealed class TokenHandler(OAuthClient oauth, string token, bool dpop) : DelegatingHandler
    {
        public string LastProof { get; private set; } = string.Empty;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(dpop ? "DPoP" : "Bearer", token);
            if (dpop)
            {
                LastProof = oauth.Proof(request.Method.Method, request.RequestUri!.GetLeftPart(UriPartial.Path), token);
                request.Headers.Remove("DPoP");
                request.Headers.Add("DPoP", LastProof);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
