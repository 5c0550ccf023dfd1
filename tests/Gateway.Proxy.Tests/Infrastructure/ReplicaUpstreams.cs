using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>Real upstreams for the demo bundle's connectors, and the bundle rewrites that point at them.</summary>
public static class ReplicaUpstreams
{
    /// <summary>The demo bundle's crm upstream origin.</summary>
    public const string CrmOrigin = "http://127.0.0.1:9110";

    /// <summary>The demo bundle's openai upstream origin.</summary>
    public const string OpenAIOrigin = "http://127.0.0.1:9100";

    /// <summary>A crm API: GET /crm/contacts/{id} answers the contact as JSON.</summary>
    public static Task<KestrelUpstream> StartCrmAsync() => KestrelUpstream.StartAsync(app =>
        app.MapGet("/crm/contacts/{id}", static (string id) => Results.Json(new { id, name = "Ada Lovelace" })));

    /// <summary>The crm catalog entries need no vault credential in the copy.</summary>
    public static string WithoutCrmCredential(string bundle) =>
        bundle.Replace("credential: vault:crm-token", "credential: none", StringComparison.Ordinal);

    /// <summary>
    /// No crm credential, and the demo agent's 120 requests per minute (and the tenant's 1,000) lifted: for traffic that
    /// runs until a gateway has recovered from a fault, whose volume no count bounds.
    /// </summary>
    public static string WithoutCrmCredentialOrRateLimits(string bundle) => WithoutCrmCredential(bundle)
        .Replace("limit: 120, window: 1m", "limit: 100000, window: 1m", StringComparison.Ordinal)
        .Replace("limit: 1000, window: 1m", "limit: 100000, window: 1m", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="replicas"/> replicas whose openai connector reaches <paramref name="openai"/> with no
    /// credential, and whose demo-agent budget for it is <paramref name="budget"/> tokens an hour.
    /// </summary>
    public static Task<ReplicaCluster> StartWithOpenAIBudgetAsync(int replicas, OpenAIUpstream openai, int budget) =>
        ReplicaCluster.StartAsync(
            replicas,
            new Dictionary<string, string> { [OpenAIOrigin] = openai.Server.Origin },
            text => text
                .Replace("credential: vault:openai-key", "credential: none", StringComparison.Ordinal)
                .Replace("- { agent: demo-agent, connector: openai, tokens: 50000, window: 1h }",
                    $"- {{ agent: demo-agent, connector: openai, tokens: {budget}, window: 1h }}", StringComparison.Ordinal));

    /// <summary>The invoke-tool body reading one contact.</summary>
    public static string ReadContact(string id) => """{"tool":"crm.read_contact","args":{"id":""" + JsonSerializer.Serialize(id) + "}}";

    /// <summary>The ids of the contacts an upstream was asked for (GET /crm/contacts/{id}).</summary>
    public static HashSet<string> ContactIds(KestrelUpstream upstream)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in upstream.Received)
        {
            var path = request.Target.Split('?')[0];
            const string prefix = "/crm/contacts/";
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                ids.Add(WebUtility.UrlDecode(path[prefix.Length..]));
            }
        }

        return ids;
    }
}

/// <summary>
/// An OpenAI-compatible chat-completions upstream that reports usage, and records the total tokens
/// it reported for each call it answered.
/// </summary>
public sealed class OpenAIUpstream : IAsyncDisposable
{
    private OpenAIUpstream(KestrelUpstream server) => Server = server;

    public KestrelUpstream Server { get; private set; }

    /// <summary>Total tokens reported per answered call.</summary>
    public ConcurrentQueue<long> ReportedTotals { get; } = new();

    public static async Task<OpenAIUpstream> StartAsync(int promptTokens, int completionTokens)
    {
        OpenAIUpstream? self = null;
        var server = await KestrelUpstream.StartAsync(app => app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            using var request = await JsonDocument.ParseAsync(context.Request.Body).ConfigureAwait(false);
            var model = request.RootElement.TryGetProperty("model", out var m) ? m.GetString() : "gpt-4o";
            // A provider never produces more than the request's max_tokens.
            var completion = request.RootElement.TryGetProperty("max_tokens", out var max) && max.TryGetInt32(out var ceiling)
                ? Math.Min(ceiling, completionTokens)
                : completionTokens;
            self!.ReportedTotals.Enqueue(promptTokens + completion);
            return Results.Json(new
            {
                id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                @object = "chat.completion",
                created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = "Hello." }, finish_reason = "stop" } },
                usage = new { prompt_tokens = promptTokens, completion_tokens = completion, total_tokens = promptTokens + completion },
            });
        })).ConfigureAwait(false);
        self = new OpenAIUpstream(server);
        return self;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
