using System.Text;
using System.Text.Json;
using Gamut.Agent.Upstream;
using Gateway.Connectors.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// One real Kestrel server standing in for every upstream of the example bundle (crm, tickets,
/// payments, mail, exec, an OpenAI-compatible API, context). Like an executor, it verifies the
/// <c>X-Gamut-Decision-Token</c> of every request with <see cref="DecisionTokenVerifier"/> and refuses
/// (401) a missing or invalid one; each verification is recorded.
/// </summary>
public sealed class TestUpstream : IAsyncDisposable
{
    /// <summary>What the crm and tickets APIs answer: an e-mail, a bearer token, a Luhn-valid card number and an order number.</summary>
    public const string Email = "ada.lovelace@example.com";
    public const string BearerToken = "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    public const string CardNumber = "4111 1111 1111 1111";
    public const string OrderNumber = "4111111111111112";

    /// <summary>The content pieces of a streamed chat completion, in order.</summary>
    public static readonly string[] StreamPieces = ["Gate", "ways ", "govern."];

    private TestUpstream(KestrelUpstream server) => Server = server;

    public KestrelUpstream Server { get; }

    public string Origin => Server.Origin;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyCollection<ReceivedRequest> Received => Server.Received;

    /// <summary>The upstream's verification of each request's decision token, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<TokenCheck> TokenChecks { get; } = new();

    /// <summary>
    /// Set by a test once its client has read the MCP server's sampling request (id <c>sampling</c>): the server sends
    /// nothing more until then, as a real one waits for the client's answer.
    /// </summary>
    public TaskCompletionSource SamplingAnswered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The requests received whose path starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<ReceivedRequest> To(string prefix) =>
        [.. Server.Received.Where(r => r.Target.StartsWith(prefix, StringComparison.Ordinal))];

    public static async Task<TestUpstream> StartAsync(byte[] decisionKey)
    {
        TestUpstream? self = null;
        var verifier = new DecisionTokenVerifier(decisionKey, TimeProvider.System);
        var server = await KestrelUpstream.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                var token = context.Request.Headers[SignatureHeaders.DecisionToken].ToString();
                // A stand-in for every executor at once: it checks each token for the tool the token names, and the tests
                // assert that tool (TokenChecks) where it matters.
                var result = verifier.Verify(token, "demo", ClaimedTool(token));
                self!.TokenChecks.Enqueue(new TokenCheck(context.Request.Path, token, result.Failure, result.Payload));
                if (result.Failure != DecisionTokenFailure.None)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    await context.Response.WriteAsJsonAsync(new { error = "decision_token_" + result.Failure.ToString() }).ConfigureAwait(false);
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
            app.MapGet("/crm/contacts/{id}", static async (HttpContext context, string id) =>
            {
                // Ids name the upstream's misbehaviour: compressing although asked for identity, or answering too much.
                if (id.StartsWith("missing-", StringComparison.Ordinal))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    await context.Response.WriteAsJsonAsync(new { error = "no such contact" }).ConfigureAwait(false);
                    return;
                }

                if (id.StartsWith("sse-split-", StringComparison.Ordinal))
                {
                    // A text stream that splits an address and a card number across events, each event sent on its own.
                    context.Response.ContentType = "text/event-stream";
                    foreach (var data in SplitStreamEvents)
                    {
                        await context.Response.WriteAsync("data: " + data + "\n\n").ConfigureAwait(false);
                        await context.Response.Body.FlushAsync().ConfigureAwait(false);
                        await Task.Delay(20, context.RequestAborted).ConfigureAwait(false);
                    }

                    return;
                }

                var json = JsonSerializer.SerializeToUtf8Bytes(Sensitive(id));
                context.Response.ContentType = "application/json";
                if (id.StartsWith("gzip-", StringComparison.Ordinal) || id.StartsWith("br-", StringComparison.Ordinal))
                {
                    var gzip = id.StartsWith("gzip-", StringComparison.Ordinal);
                    context.Response.Headers.ContentEncoding = gzip ? "gzip" : "br";
                    using var compressed = new MemoryStream();
                    await using (Stream encoder = gzip
                        ? new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)
                        : new System.IO.Compression.BrotliStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                    {
                        await encoder.WriteAsync(json).ConfigureAwait(false);
                    }

                    await context.Response.Body.WriteAsync(compressed.ToArray()).ConfigureAwait(false);
                    return;
                }

                if (id.StartsWith("big-", StringComparison.Ordinal))
                {
                    // 2 MiB of JSON; "big-len-" declares its length, "big-" streams it chunked.
                    var filler = new string('x', 2 * 1024 * 1024);
                    var big = JsonSerializer.SerializeToUtf8Bytes(new { id, filler });
                    if (id.StartsWith("big-len-", StringComparison.Ordinal))
                    {
                        context.Response.ContentLength = big.Length;
                    }

                    for (var offset = 0; offset < big.Length; offset += 16 * 1024)
                    {
                        await context.Response.Body.WriteAsync(big.AsMemory(offset, Math.Min(16 * 1024, big.Length - offset))).ConfigureAwait(false);
                        await context.Response.Body.FlushAsync().ConfigureAwait(false);
                    }

                    return;
                }

                await context.Response.Body.WriteAsync(json).ConfigureAwait(false);
            });
            app.MapMethods("/crm/contacts/{id}", ["PATCH", "POST", "PUT", "DELETE"], static (string id) => Results.Json(new { id, updated = true }));
            app.MapGet("/tickets/search", static (string? q) => Results.Json(new { query = q, tickets = new[] { Sensitive("t-1") } }));
            app.MapPost("/payments/refunds", static () => Results.Json(new { refund = "r-1", status = "refunded" }));
            app.MapPost("/mail", static () => Results.Json(new { queued = true }));
            app.MapPost("/exec", static () => Results.Json(new { ran = true }));
            app.MapGet("/context", static () => Results.Text("workspace context", "text/plain"));
            app.MapPost("/mcp", async (HttpContext context) =>
            {
                // An MCP server listing every tool (two of them an agent may not call); the request's id names how it answers.
                using var request = await JsonDocument.ParseAsync(context.Request.Body).ConfigureAwait(false);
                var first = request.RootElement.ValueKind == JsonValueKind.Array ? request.RootElement[0] : request.RootElement;
                var mode = first.GetProperty("id").ToString();
                if (mode == "sampling")
                {
                    // A tools/call answered on an event stream: first the server's sampling request to the client (its
                    // text ends mid-word), then, only once the client has it, the call's result.
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":70,\"method\":\"sampling/createMessage\",\"params\":{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Write to " + Email + " about the wor\"}}],\"maxTokens\":50}}\n\n").ConfigureAwait(false);
                    await context.Response.Body.FlushAsync().ConfigureAwait(false);
                    await self!.SamplingAnswered.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                    await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"sampling\",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"sampled\"}]}}\n\n").ConfigureAwait(false);
                    return Results.Empty;
                }

                if (mode == "unreadable")
                {
                    return Results.Text("<html>tools: search, delete_document</html>", "application/json");
                }

                if (mode == "sse")
                {
                    return Results.Text("event: message\ndata: " + McpToolsListAnswer(first.GetProperty("id")) + "\n\n", "text/event-stream");
                }

                if (request.RootElement.ValueKind == JsonValueKind.Array)
                {
                    return Results.Text("[" + string.Join(',', request.RootElement.EnumerateArray().Select(m => McpToolsListAnswer(m.GetProperty("id")))) + "]", "application/json");
                }

                return Results.Text(mode == "tools-not-a-list"
                    ? """{"jsonrpc":"2.0","id":"tools-not-a-list","result":{"tools":{"delete_document":{"name":"delete_document"}}}}"""
                    : McpToolsListAnswer(first.GetProperty("id")), "application/json");
            });
            app.MapGet("/mcp", static (HttpContext context) =>
                // A resumed stream (Last-Event-ID): the server replays what it sent, here an earlier tools/list answer.
                context.Request.Headers.ContainsKey("Last-Event-ID")
                    ? Results.Text("id: 4\nevent: message\ndata: " + McpToolsListAnswer(JsonDocument.Parse("1").RootElement) + "\n\n", "text/event-stream")
                    : Results.StatusCode(StatusCodes.Status405MethodNotAllowed));
            app.MapPost("/v1/chat/completions", static async (HttpContext context) =>
            {
                using var request = await JsonDocument.ParseAsync(context.Request.Body).ConfigureAwait(false);
                var model = request.RootElement.TryGetProperty("model", out var m) ? m.GetString() : null;
                if (request.RootElement.GetRawText().Contains(HoldUntilGone, StringComparison.Ordinal))
                {
                    // Taken up, and nothing answered (not even headers) until the caller goes away, as a long generation.
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(false);
                }

                if (request.RootElement.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True
                    && request.RootElement.GetRawText().Contains(EndsEarly, StringComparison.Ordinal))
                {
                    // Usage reported first, one piece, then the stream closes cleanly without its terminal event ([DONE]).
                    return Results.Text(
                        "data: {\"id\":\"chatcmpl-early\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n"
                        + "data: {\"id\":\"chatcmpl-early\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n",
                        "text/event-stream");
                }

                if (request.RootElement.TryGetProperty("stream", out stream) && stream.ValueKind == JsonValueKind.True
                    && request.RootElement.GetRawText().Contains(CutShort, StringComparison.Ordinal))
                {
                    // Usage reported first (as Anthropic reports input and one output token at the start), then two pieces, then
                    // nothing until the caller goes away: the stream never reaches its end.
                    return Results.Stream(async body =>
                    {
                        await body.WriteAsync(Encoding.UTF8.GetBytes("data: {\"id\":\"chatcmpl-cut\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n")).ConfigureAwait(false);
                        foreach (var piece in (string[])["Hello", ", and more"])
                        {
                            await body.WriteAsync(Encoding.UTF8.GetBytes("data: {\"id\":\"chatcmpl-cut\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"}}]}\n\n")).ConfigureAwait(false);
                        }

                        await body.FlushAsync().ConfigureAwait(false);
                        await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(false);
                    }, "text/event-stream");
                }

                if (request.RootElement.TryGetProperty("stream", out stream) && stream.ValueKind == JsonValueKind.True)
                {
                    return Results.Stream(async body =>
                    {
                        foreach (var piece in StreamPieces)
                        {
                            var chunk = JsonSerializer.Serialize(new
                            {
                                id = "chatcmpl-test", @object = "chat.completion.chunk", created = 1, model,
                                choices = new[] { new { index = 0, delta = new { content = piece }, finish_reason = (string?)null } },
                            });
                            await body.WriteAsync(Encoding.UTF8.GetBytes("data: " + chunk + "\n\n")).ConfigureAwait(false);
                            await body.FlushAsync().ConfigureAwait(false);
                        }

                        await body.WriteAsync("data: [DONE]\n\n"u8.ToArray()).ConfigureAwait(false);
                    }, "text/event-stream");
                }

                return Results.Json(new
                {
                    id = "chatcmpl-test",
                    @object = "chat.completion",
                    created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    model,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = "Write to " + Email }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 5, completion_tokens = 7, total_tokens = 12 },
                });
            });
        }).ConfigureAwait(false);
        self = new TestUpstream(server);
        return self;
    }

    /// <summary>A streamed chat completion whose request holds this is cut short (<c>/v1/chat/completions</c>).</summary>
    public const string CutShort = "cut-short";

    /// <summary>A streamed chat completion whose request holds this ends cleanly before its terminal event (<c>[DONE]</c>).</summary>
    public const string EndsEarly = "ends-early";

    /// <summary>A chat completion whose request holds this is never answered: the upstream holds it until the caller goes away.</summary>
    public const string HoldUntilGone = "hold-until-gone";

    /// <summary>A tools/list result naming every tool of the docs server.</summary>
    public static string McpToolsListAnswer(JsonElement id) =>
        "{\"jsonrpc\":\"2.0\",\"id\":" + id.GetRawText() + ",\"result\":{\"tools\":[{\"name\":\"search\",\"inputSchema\":{}},{\"name\":\"delete_document\",\"inputSchema\":{}},{\"name\":\"undeclared_tool\"}]}}";

    /// <summary>The tool a token's payload names, read without verifying it ("-" when it cannot be read: the verifier then refuses it).</summary>
    private static string ClaimedTool(string token)
    {
        try
        {
            var parts = token.Split('.');
            using var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
            return payload.RootElement.GetProperty("tool").GetString() is { Length: > 0 } tool ? tool : "-";
        }
        catch (Exception ex) when (ex is FormatException or JsonException or IndexOutOfRangeException or KeyNotFoundException or InvalidOperationException)
        {
            return "-";
        }
    }

    /// <summary>The events of <c>/crm/contacts/sse-split-…</c>: an address split as text, a card number split inside a JSON text member.</summary>
    public static IReadOnlyList<string> SplitStreamEvents { get; } =
    [
        "contact ada.lovelace@exa",
        "mple.com, card",
        "{\"text\":\"4111 1111 \"}",
        "{\"text\":\"1111 1111 and done\"}",
    ];

    private static object Sensitive(string id) => new
    {
        id,
        email = Email,
        note = "session " + BearerToken,
        card = CardNumber,
        order = OrderNumber,
    };

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>The upstream's verification of one request's decision token.</summary>
public sealed record TokenCheck(string Path, string Token, DecisionTokenFailure Failure, DecisionTokenPayload? Payload);
