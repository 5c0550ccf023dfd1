using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Tokens;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The calls decision-token tests make: an evaluation's token, an action presenting it, an executor's verification.</summary>
public static class DecisionTokenCalls
{
    public const string Header = "X-Gamut-Decision-Token";

    public const string VerifyPath = "/v1/decision-tokens/verify";

    /// <summary>Evaluates <paramref name="body"/>, expecting <paramref name="decision"/>; returns the answer (with its token for the allow family).</summary>
    public static async Task<JsonElement> EvaluateAsync(AgentClient agent, string body, string decision = "allow")
    {
        using var response = await agent.PostJsonAsync("/v1/evaluate", body);
        return await DecisionJson.DecisionAsync(response, decision);
    }

    /// <summary>The action <paramref name="body"/> sent with <paramref name="token"/> presented in <see cref="Header"/>.</summary>
    public static Task<HttpResponseMessage> ActAsync(AgentClient agent, string body, string token, string path = "/v1/actions/invoke-tool")
    {
        var request = agent.Create(HttpMethod.Post, path, body);
        request.Headers.TryAddWithoutValidation(Header, token);
        return agent.SendAsync(request);
    }

    /// <summary>Asks the executor endpoint about <paramref name="token"/>; asserts 200 and returns the answer.</summary>
    public static async Task<JsonElement> VerifyAsync(HttpClient executor, string token)
    {
        using var response = await PostVerifyAsync(executor, token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostVerifyAsync(HttpClient executor, string token) =>
        executor.PostAsync(VerifyPath, new StringContent(JsonSerializer.Serialize(new { token }), Encoding.UTF8, "application/json"));

    /// <summary>Asks the executor endpoint to consume <paramref name="token"/> (<c>"consume": true</c>); asserts 200 and returns the answer.</summary>
    public static async Task<JsonElement> ConsumeAsync(HttpClient executor, string token)
    {
        using var response = await executor.PostAsync(VerifyPath, new StringContent(JsonSerializer.Serialize(new { token, consume = true }), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the answer's status (and reason, when given).</summary>
    public static void AssertStatus(JsonElement answer, string status, string? reason = null)
    {
        Assert.Equal(status, answer.GetProperty("status").GetString());
        if (reason is not null)
        {
            Assert.Equal(reason, answer.GetProperty("reason").GetString());
        }
    }

    /// <summary>The token in an answer (the evaluation's or the action's).</summary>
    public static string TokenOf(JsonElement answer) => answer.GetProperty("decision_token").GetString()!;

    /// <summary>Mints an executor credential through <paramref name="admin"/> (optionally confined to <paramref name="tenant"/>).</summary>
    public static async Task<string> IssueExecutorTokenAsync(HttpClient admin, string name, string? tenant = null)
    {
        object body = tenant is null ? new { name, roles = new[] { "executor" } } : new { name, roles = new[] { "executor" }, tenant };
        using var response = await admin.PostAsync("/admin/v1/tokens", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>A token signed like the gateway's (<c>v1.payload.HMAC</c>) around <paramref name="payloadJson"/>, for shapes the issuer never makes; bound as the gateway binds when given <paramref name="binding"/>.</summary>
    public static string Sign(byte[] key, string payloadJson, DecisionTokenBinding? binding = null)
    {
        var payload = Encoding.UTF8.GetBytes(payloadJson);
        if (binding is not null)
        {
            var bound = new byte[DecisionTokenBinding.BoundLength(payload.Length)];
            binding.Bind(payload, bound);
            payload = bound;
        }

        var signingInput = "v1." + System.Buffers.Text.Base64Url.EncodeToString(payload);
        return signingInput + "." + System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>The payload JSON of <paramref name="token"/>, as signed (not checked).</summary>
    public static string PayloadOf(string token) =>
        Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]));

    /// <summary>A client of <paramref name="baseAddress"/> that presents <paramref name="bearer"/>.</summary>
    public static HttpClient Bearer(Uri baseAddress, string bearer)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }
}
