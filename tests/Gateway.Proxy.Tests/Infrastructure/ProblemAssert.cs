using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>Asserts that a response is an RFC 9457 problem with the given status and stable code.</summary>
public static class ProblemAssert
{
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        Assert.StartsWith("req_", json.GetProperty("request_id").GetString(), StringComparison.Ordinal);
        return json;
    }

    /// <summary>A refusal on an OpenAI-kind provider route: an OpenAI error object carrying the gateway's code, and a no-retry hint.</summary>
    public static Task<JsonElement> IsOpenAIErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code) =>
        IsOpenAIErrorAsync(response, status, code, shouldRetry: false);

    /// <summary>A refusal on an OpenAI-kind provider route whose <c>x-should-retry</c> is <paramref name="shouldRetry"/>.</summary>
    public static async Task<JsonElement> IsOpenAIErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code, bool shouldRetry)
    {
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error").Clone();
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.StartsWith("req_", error.GetProperty("request_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(shouldRetry ? "true" : "false", Assert.Single(response.Headers.GetValues("x-should-retry")));
        return error;
    }
}
