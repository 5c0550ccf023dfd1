using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>One request the upstream received, and what it verified (once the gateway's keys are known).</summary>
internal sealed record UpstreamRequest(string Method, string Path, string Body, string? Authorization, UpstreamChecks? Checks);

/// <summary>
/// A real Kestrel server standing in for every connector of the example bundle (crm, payments, the build
/// host, context, MCP docs) and, named as such, a FAKE model server on /v1/chat/completions (no cloud
/// here): it asks for the tool the user's message names (<c>call &lt;tool&gt; &lt;json&gt;</c>), then answers with
/// what the tool returned. Every request is recorded with what <see cref="Verifiers"/> found; the webhook
/// (<c>/mail</c>) acts only on a request whose decision token and gateway signature both verify.
/// </summary>
internal sealed partial class SuiteUpstream : IAsyncDisposable
{
    public static readonly string[] StreamPieces = ["The ", "gateway ", "streamed ", "this."];

    private readonly ConcurrentQueue<UpstreamRequest> _requests = new();
    private KestrelUpstream _server = null!;
    private SlowCalls? _slowCalls;

    public string BaseUrl => _server.BaseUri.AbsoluteUri.TrimEnd('/');

    public IReadOnlyList<UpstreamRequest> Requests => [.. _requests];

    /// <summary>Set once the gateway is started with its keys.</summary>
    public UpstreamVerifiers? Verifiers { get; set; }

    public int Count(string path) => _requests.Count(r => r.Path == path);

    /// <summary>
    /// Holds the calls for the slow contact (<c>/crm/contacts/slow</c>) until the returned gate is opened or disposed, or
    /// until the gateway aborts the call. Without a gate, such a call waits until the gateway aborts it.
    /// </summary>
    public SlowCalls HoldSlowCalls()
    {
        var held = new SlowCalls();
        Volatile.Write(ref _slowCalls, held);
        return held;
    }

    public static async Task<SuiteUpstream> StartAsync()
    {
        var upstream = new SuiteUpstream();
        upstream._server = await KestrelUpstream.StartAsync(app => app.Run(upstream.HandleAsync));
        return upstream;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var checks = Verifiers is { } verifiers ? await verifiers.CheckAsync(context) : null;
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value ?? "/";
        _requests.Enqueue(new UpstreamRequest(context.Request.Method, path, body, context.Request.Headers.Authorization.ToString(), checks));
        var response = context.Response;
        if (path.StartsWith("/crm/contacts/", StringComparison.Ordinal))
        {
            var id = path["/crm/contacts/".Length..];
            if (id == "slow")
            {
                var held = Volatile.Read(ref _slowCalls);
                held?.Arrive();
                using var until = held is null
                    ? CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted)
                    : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, held.Opened);
                try
                {
                    // Waits for the gate or the gateway's abort, never for a time.
                    await Task.Delay(Timeout.InfiniteTimeSpan, until.Token);
                }
                catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    // The test opened the gate: answered below.
                }
                finally
                {
                    held?.End();
                }
            }

            await response.WriteAsJsonAsync(new { id, name = "Dana Example", order = "A-1001" });
        }
        else if (path == "/payments/refunds")
        {
            await response.WriteAsJsonAsync(new { refund = "rf_1", status = "accepted" });
        }
        else if (path == "/mail")
        {
            response.StatusCode = checks is { Token.IsValid: true, Signature.IsValid: true } ? 200 : 401;
            await response.WriteAsJsonAsync(new { queued = response.StatusCode == 200 });
        }
        else if (path == "/exec")
        {
            response.StatusCode = 500;
            await response.WriteAsJsonAsync(new { error = "the gateway should never let this through" });
        }
        else if (path == "/context")
        {
            response.ContentType = "text/plain";
            await response.WriteAsync("Contact 42 is Dana; the last order was A-1001.");
        }
        else if (path == "/v1/chat/completions")
        {
            await ChatAsync(context, JsonNode.Parse(body)!.AsObject());
        }
        else if (path == "/mcp")
        {
            await McpAsync(context, body);
        }
        else if (path == "/.well-known/agent-card.json")
        {
            await response.WriteAsync(A2aTestAgent.Card($"{context.Request.Scheme}://{context.Request.Host}").ToJsonString());
        }
        else if (path == "/a2a")
        {
            var (contentType, answer) = A2aTestAgent.Reply(JsonNode.Parse(body)!.AsObject());
            response.ContentType = contentType;
            await response.WriteAsync(answer);
        }
        else
        {
            response.StatusCode = 404;
        }
    }

    private static async Task ChatAsync(HttpContext context, JsonObject request)
    {
        var model = request["model"]?.GetValue<string>() ?? "unknown";
        var messages = request["messages"]!.AsArray();
        var last = messages[^1]!.AsObject();
        JsonObject message;
        if (last["role"]!.GetValue<string>() == "tool")
        {
            message = new JsonObject { ["role"] = "assistant", ["content"] = "The tool answered: " + last["content"]!.GetValue<string>() };
        }
        else if (CallPattern().Match(last["content"]?.GetValue<string>() ?? string.Empty) is { Success: true } call
            && (request["tools"]?.AsArray() ?? []).Any(t => t?["function"]?["name"]?.GetValue<string>() == call.Groups[1].Value))
        {
            message = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call_" + Guid.NewGuid().ToString("N")[..8],
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = call.Groups[1].Value, ["arguments"] = call.Groups[2].Value },
                }),
            };
        }
        else
        {
            message = new JsonObject { ["role"] = "assistant", ["content"] = string.Concat(StreamPieces) };
        }

        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request["stream"]?.GetValue<bool>() != true)
        {
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = "chatcmpl-fake",
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = message["tool_calls"] is null ? "stop" : "tool_calls" }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 5, ["completion_tokens"] = 4, ["total_tokens"] = 9 },
            });
            return;
        }

        context.Response.ContentType = "text/event-stream";
        foreach (var piece in StreamPieces)
        {
            var chunk = new JsonObject
            {
                ["id"] = "chatcmpl-fake",
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = piece }, ["finish_reason"] = null }),
            };
            await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n");
            await context.Response.Body.FlushAsync();
        }

        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    // A minimal stateless MCP server (SSE responses): initialize, tools/list, tools/call; notifications get 202.
    private static async Task McpAsync(HttpContext context, string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (!root.TryGetProperty("id", out var id))
        {
            context.Response.StatusCode = 202;
            return;
        }

        var method = root.GetProperty("method").GetString();
        if (method is not ("initialize" or "tools/list" or "tools/call"))
        {
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = JsonNode.Parse(id.GetRawText()),
                ["error"] = new JsonObject { ["code"] = -32601, ["message"] = $"Method not found: {method}" },
            });
            return;
        }

        JsonNode result = method switch
        {
            "initialize" => new JsonObject
            {
                ["protocolVersion"] = root.GetProperty("params").GetProperty("protocolVersion").GetString(),
                ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
                ["serverInfo"] = new JsonObject { ["name"] = "docs", ["version"] = "1.0.0" },
            },
            "tools/list" => new JsonObject
            {
                ["tools"] = new JsonArray(
                    new JsonObject { ["name"] = "search", ["description"] = "Searches the documents.", ["inputSchema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["query"] = new JsonObject { ["type"] = "string" } } } },
                    new JsonObject { ["name"] = "delete_document", ["description"] = "Deletes a document.", ["inputSchema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["id"] = new JsonObject { ["type"] = "string" } } } }),
            },
            "tools/call" => new JsonObject
            {
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = $"3 documents match \"{root.GetProperty("params").GetProperty("arguments").GetProperty("query").GetString()}\"" }),
            },
            _ => throw new InvalidOperationException(method),
        };
        // Answered as one SSE event, as the official SDKs' servers do. (The gateway filters tools/list only in
        // event streams today; a server answering application/json is not filtered: reported, not tested here.)
        context.Response.ContentType = "text/event-stream";
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = JsonNode.Parse(id.GetRawText()), ["result"] = result };
        await context.Response.WriteAsync($"event: message\ndata: {message.ToJsonString()}\n\n");
    }

    [GeneratedRegex(@"call (\S+) (\{.*\})", RegexOptions.CultureInvariant)]
    private static partial Regex CallPattern();
}
