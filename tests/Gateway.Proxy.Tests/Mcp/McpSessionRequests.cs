using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>Raw JSON-RPC requests to an <see cref="McpGateway"/>'s <c>/mcp</c> in a session, for what its client cannot send.</summary>
internal static class McpSessionRequests
{
    /// <summary>Posts one JSON-RPC request to <c>/mcp</c> on <paramref name="session"/>, signed; its JSON answer (an event stream's first message).</summary>
    public static async Task<JsonElement> PostInSessionAsync(this McpGateway mcp, string session, string json)
    {
        using var http = mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? text.Split('\n').First(static line => line.StartsWith("data:", StringComparison.Ordinal))["data:".Length..]
            : text;
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
