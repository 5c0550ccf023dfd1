using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// On <c>/mcp</c> a refusal that a wait cures keeps <c>Retry-After</c> however long the wait, as the contract says, and says
/// it in the JSON-RPC error's <c>data.retry_after_seconds</c> too; dropping <c>Retry-After</c> past 60 s is the provider
/// routes' alone (<c>x-should-retry</c> says false past it on both).
/// </summary>
public sealed class McpRetryAfterTests
{
    private const string Find = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes__find","arguments":{}}}""";

    [Fact]
    public async Task ToolsCall_RateLimitedOnAnHourWindow_KeepsRetryAfterAndRetryAfterSecondsInData()
    {
        await using var mcp = await McpGateway.StartAsync(text => text.Replace(
            "rate_limits:\n", "rate_limits:\n  - { scope: tool, tool: notes.find, limit: 1, window: 1d }\n", StringComparison.Ordinal));
        // The window ends at midnight UTC: in its last minutes the wait is short however long the window.
        var now = DateTime.UtcNow;
        var untilReset = now.Date.AddDays(1) - now;
        using var http = mcp.SignedHttp();
        (await PostAsync(http, Find)).Dispose();

        using var refused = await PostAsync(http, Find);

        var answer = await AnswerAsync(refused);
        var data = answer.GetProperty("error").GetProperty("data");
        Assert.Equal("rate_limited", data.GetProperty("code").GetString());
        var wait = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(wait);
        Assert.True(wait > TimeSpan.FromMinutes(1) || untilReset < TimeSpan.FromMinutes(2), $"Retry-After is {wait}, not the day window's reset");
        Assert.Equal((int)wait.Value.TotalSeconds, data.GetProperty("retry_after_seconds").GetInt32());
        Assert.Equal(wait > TimeSpan.FromMinutes(1) ? "false" : "true", Assert.Single(refused.Headers.GetValues("x-should-retry")));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        return http.SendAsync(request);
    }

    // The JSON-RPC answer: the body, or an event stream's first message.
    private static async Task<JsonElement> AnswerAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"got {(int)response.StatusCode}: {text}");
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? text.Split('\n').First(static line => line.StartsWith("data:", StringComparison.Ordinal))["data:".Length..]
            : text;
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
