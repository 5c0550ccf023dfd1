using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// The MCP specification's DNS-rebinding defence on <c>/mcp</c>: a request carrying an <c>Origin</c> that is neither the
/// gateway's public origin nor one in <c>Gateway:Mcp:AllowedOrigins</c> is refused with 403 and recorded, however well it
/// is signed (issue #45.9).
/// </summary>
public sealed class McpOriginTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"origin-test","version":"1"}}}""";

    [Fact]
    public async Task Post_SignedWithAForeignOrigin_IsRefusedAndRecorded()
    {
        await using var mcp = await McpGateway.StartAsync();

        var (status, body, requestId) = await PostAsync(mcp, "http://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("origin_not_allowed", error.GetProperty("data").GetProperty("code").GetString());
        var record = Assert.Single(await mcp.Gateway.AuditRecordsAsync(requestId));
        Assert.Contains("origin_not_allowed", record.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_TheGatewaysOwnOriginOrAListedOne_IsServed()
    {
        await using var mcp = await McpGateway.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:Mcp:AllowedOrigins:0"] = "https://app.example.com" });

        var (own, _, _) = await PostAsync(mcp, mcp.Gateway.Host.BaseAddress.GetLeftPart(UriPartial.Authority));
        var (listed, _, _) = await PostAsync(mcp, "https://app.example.com");
        var (none, _, _) = await PostAsync(mcp, null);
        var (other, _, _) = await PostAsync(mcp, "https://app.example.com:8443");

        Assert.Equal(HttpStatusCode.OK, own);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(HttpStatusCode.OK, none);
        Assert.Equal(HttpStatusCode.Forbidden, other);
    }

    private static async Task<(HttpStatusCode Status, string Body, string RequestId)> PostAsync(McpGateway mcp, string? origin)
    {
        using var http = mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Initialize, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        using var response = await http.SendAsync(request);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), requestId);
    }
}
