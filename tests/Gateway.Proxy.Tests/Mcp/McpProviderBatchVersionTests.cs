using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A JSON-RPC batch on an MCP server's per-server route <c>/providers/docs</c> (a real Kestrel upstream that answers a
/// batch) is forwarded only at a revision that has batches: a request whose <c>MCP-Protocol-Version</c> names 2025-06-18
/// or later (which removed them), or anything but a date before it, is refused before anything is forwarded: HTTP 400, a
/// JSON-RPC error <c>-32600</c> with id null, recorded under the server. 2025-03-26, and a request that names no version
/// (which the specification reads as 2025-03-26), are forwarded as before.
/// </summary>
public sealed class McpProviderBatchVersionTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public McpProviderBatchVersionTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    [InlineData("draft")]
    public async Task Providers_McpBatchAtARevisionWithoutBatches_Returns400InvalidRequestAndForwardsNothing(string version)
    {
        var marker = "batch-" + Guid.NewGuid().ToString("N");

        var (status, body, requestId) = await PostBatchAsync(marker, version);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("2.0", json.RootElement.GetProperty("jsonrpc").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("id").ValueKind);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(-32600, error.GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", error.GetProperty("data").GetProperty("code").GetString());
        Assert.DoesNotContain(_gw.Upstream.To("/mcp"), r => r.Body.Contains(marker, StringComparison.Ordinal));
        var record = Assert.Single(await _gw.AuditRecordsAsync(requestId));
        Assert.Equal("docs", record.GetProperty("tool").GetString());
        Assert.Contains("malformed_body", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-03-26")]
    [InlineData(null)]
    public async Task Providers_McpBatchAtARevisionWithBatches_IsForwarded(string? version)
    {
        var marker = "batch-" + Guid.NewGuid().ToString("N");

        var (status, body, _) = await PostBatchAsync(marker, version);

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(2, JsonDocument.Parse(body).RootElement.GetArrayLength());
        Assert.Contains(_gw.Upstream.To("/mcp"), r => r.Body.Contains(marker, StringComparison.Ordinal));
    }

    private async Task<(HttpStatusCode Status, string Body, string RequestId)> PostBatchAsync(string marker, string? version)
    {
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/docs",
            $$"""[{"jsonrpc":"2.0","id":"{{marker}}-1","method":"tools/list"},{"jsonrpc":"2.0","id":"{{marker}}-2","method":"tools/list"}]""");
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (version is not null)
        {
            request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", version);
        }

        using var response = await _gw.Agent.SendAsync(request);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), requestId);
    }
}
