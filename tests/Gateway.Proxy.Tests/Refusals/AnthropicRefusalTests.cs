using System.Net;
using System.Text.Json;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// A refusal on <c>/providers/{connector}</c> whose connector is an <c>anthropic</c> one is an Anthropic error object
/// <c>{"type":"error","error":{"type","message","code","request_id",…},"request_id"}</c>, which the official Anthropic clients
/// read, with the provider retry hint: <c>x-should-retry: false</c> and no <c>Retry-After</c> past 60 s, so a client does not
/// send a refused call again (each a new governed, recorded request) on its own.
/// </summary>
public sealed class AnthropicRefusalTests
{
    private const string Call = """{"model":"claude-sonnet-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task Providers_AnthropicConnectorBlocked_IsAnthropicErrorWithShouldRetryFalse()
    {
        await using var gw = await GovernedGateway.StartAsync(AsAnthropic);
        var before = gw.Upstream.Received.Count;

        // chat/completions is no operation of an anthropic connector: refused before anything is forwarded.
        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Call));

        var error = await IsAnthropicErrorAsync(response, HttpStatusCode.Forbidden, "operation_not_mapped", "permission_error");
        Assert.Contains("not an operation", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_AnthropicConnectorBudgetExhaustedForAnHour_IsRateLimitErrorWithNoRetryAfter()
    {
        await using var gw = await GovernedGateway.StartAsync(text => AsAnthropic(text).Replace(
            "{ agent: demo-agent, connector: openai, tokens: 50000, window: 1h }", "{ agent: demo-agent, connector: openai, tokens: 1, window: 1h }", StringComparison.Ordinal));
        var before = gw.Upstream.Received.Count;

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/messages", Call));

        await IsAnthropicErrorAsync(response, HttpStatusCode.TooManyRequests, "budget_exhausted", "rate_limit_error");
        Assert.Null(response.Headers.RetryAfter);
        Assert.Equal(before, gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("/providers/claude/messages")]
    [InlineData("/providers/claude/messages/count_tokens")]
    public async Task Providers_UnsignedAnthropicOperation_Is401AsAnAnthropicError(string target)
    {
        await using var gw = await GovernedGateway.StartAsync();

        using var response = await gw.Host.Client.PostAsync(target, new StringContent(Call, System.Text.Encoding.UTF8, "application/json"));

        await IsAnthropicErrorAsync(response, HttpStatusCode.Unauthorized, "missing_header", "authentication_error");
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(408, "invalid_request_error")]
    [InlineData(409, "invalid_request_error")]
    [InlineData(413, "request_too_large")]
    [InlineData(415, "invalid_request_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(503, "api_error")]
    [InlineData(504, "timeout_error")]
    public void ErrorType_OfAStatus_IsTheTypeAnthropicAnswersItWith(int status, string type) =>
        Assert.Equal(type, AnthropicRefusalBody.ErrorType(status));

    [Fact]
    public void WriteAnthropic_ARefusalAfterADecision_CarriesTheDecisionAndItsMembers()
    {
        var refusal = new Refusal(409, "approval_required", "Held for approval.")
        {
            Decision = "require_approval",
            ExplanationJson = """{"summary":"held"}"""u8.ToArray(),
            Members = writer => writer.WriteString("approval_id"u8, "apr_1"),
        };

        var json = JsonDocument.Parse(JsonResponseBody.Serialize(refusal, static (writer, r) => AnthropicRefusalBody.Write(writer, r, "req_1"))).RootElement;

        Assert.Equal("error", json.GetProperty("type").GetString());
        Assert.Equal("req_1", json.GetProperty("request_id").GetString());
        var error = json.GetProperty("error");
        Assert.Equal(
            ["type", "message", "code", "request_id", "decision", "explanation", "approval_id"],
            error.EnumerateObject().Select(static member => member.Name).ToArray());
        Assert.Equal(("invalid_request_error", "Held for approval.", "approval_required"),
            (error.GetProperty("type").GetString(), error.GetProperty("message").GetString(), error.GetProperty("code").GetString()));
        Assert.Equal("held", error.GetProperty("explanation").GetProperty("summary").GetString());
    }

    /// <summary>An Anthropic error object carrying the gateway's code and request id (body and headers), and a no-retry hint.</summary>
    internal static async Task<JsonElement> IsAnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal("error", json.GetProperty("type").GetString());
        var error = json.GetProperty("error");
        Assert.Equal((type, code), (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Equal(requestId, json.GetProperty("request_id").GetString());
        Assert.Equal(requestId, error.GetProperty("request_id").GetString());
        Assert.Equal(requestId, Assert.Single(response.Headers.GetValues("request-id")));
        Assert.Equal("false", Assert.Single(response.Headers.GetValues("x-should-retry")));
        return error;
    }

    // The example's openai connector, of kind anthropic.
    private static string AsAnthropic(string text)
    {
        Assert.Contains("  - name: openai\n    kind: openai\n", text, StringComparison.Ordinal);
        return text.Replace("  - name: openai\n    kind: openai\n", "  - name: openai\n    kind: anthropic\n", StringComparison.Ordinal);
    }
}
