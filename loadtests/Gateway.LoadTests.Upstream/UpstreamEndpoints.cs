using System.Text;

namespace Gateway.LoadTests.Upstream;

/// <summary>The upstream's endpoints: precomputed bodies, no per-request allocation beyond the framework's.</summary>
internal static class UpstreamEndpoints
{
    private const int MaxRequestBytes = 256 * 1024;
    private const int MaxSizedBytes = 64 * 1024;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte[]> SizedBodies = new();

    private static readonly byte[] ChatCompletion = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-load","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the load-test upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20}}""");

    private static readonly string[] Words = ["Hello", " from", " the", " load-test", " upstream", "."];

    /// <summary>Each SSE event of the streamed answer: one per word, a finish chunk, a usage chunk, then [DONE].</summary>
    private static readonly byte[][] StreamEvents = BuildStreamEvents();

    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", static () => Results.Text("ok"));
        app.MapGet("/crm/contacts/{id}", static (HttpContext context, string id) => WriteContactAsync(context, id));
        app.MapPost("/v1/chat/completions", static context => ChatAsync(context));
        app.MapPost("/sized/{bytes:int}", static (HttpContext context, int bytes) => WriteSizedAsync(context, bytes));
    }

    /// <summary>
    /// The equal-terms baseline's answer (issue #52): the request body is read to its end, as the gateway reads
    /// it, and the answer is a JSON body of exactly <paramref name="bytes"/> bytes (the size of the gateway's
    /// own answer to the same request, measured by the load test), at most 64 KiB.
    /// </summary>
    private static async Task WriteSizedAsync(HttpContext context, int bytes)
    {
        if (bytes is < 16 or > MaxSizedBytes)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted).ConfigureAwait(false);
        var body = SizedBodies.GetOrAdd(bytes, static size => SizedBody(size));
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>{"padding":"xxx…"} of exactly <paramref name="size"/> bytes.</summary>
    private static byte[] SizedBody(int size)
    {
        const string Head = "{\"padding\":\"", Tail = "\"}";
        return Encoding.UTF8.GetBytes(Head + new string('x', size - Head.Length - Tail.Length) + Tail);
    }

    private static Task WriteContactAsync(HttpContext context, string id)
    {
        // The id is echoed only when it is short and alphanumeric (it is "42" in the scenarios).
        var safeId = id.Length <= 32 && id.All(char.IsAsciiLetterOrDigit) ? id : "0";
        var body = Encoding.UTF8.GetBytes(
            $$"""{"id":"{{safeId}}","name":"Ada Lovelace","email":"ada@example.com","company":"Analytical Engines Ltd","tier":"gold","updated_at":"2026-10-01T12:00:00Z"}""");
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static async Task ChatAsync(HttpContext context)
    {
        var stream = await ReadsStreamFlagAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
        if (!stream)
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = ChatCompletion.Length;
            await context.Response.Body.WriteAsync(ChatCompletion, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        foreach (var evt in StreamEvents)
        {
            await context.Response.Body.WriteAsync(evt, context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>True when the JSON body has a top-level "stream": true (a small body; parsed once).</summary>
    private static async Task<bool> ReadsStreamFlagAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (buffer.Length is 0 or > MaxRequestBytes)
        {
            return false;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("stream", out var flag)
                && flag.ValueKind == System.Text.Json.JsonValueKind.True;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static byte[][] BuildStreamEvents()
    {
        var events = new List<byte[]>();
        var first = true;
        foreach (var word in Words)
        {
            var delta = first ? $$"""{"role":"assistant","content":"{{word}}"}""" : $$"""{"content":"{{word}}"}""";
            first = false;
            events.Add(Event($$"""{"id":"chatcmpl-load","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{{delta}},"finish_reason":null}]}"""));
        }

        events.Add(Event("""{"id":"chatcmpl-load","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""));
        events.Add(Event("""{"id":"chatcmpl-load","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":6,"total_tokens":18}}"""));
        events.Add(Encoding.UTF8.GetBytes("data: [DONE]\n\n"));
        return [.. events];

        static byte[] Event(string json) => Encoding.UTF8.GetBytes("data: " + json + "\n\n");
    }
}
