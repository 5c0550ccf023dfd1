using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Examples.DemoUpstreams;

/// <summary>
/// Answers as the demo tools would. Responses deliberately carry an e-mail address and a card number so
/// that the gateway's redaction is visible; every request's decision-token header is echoed back.
/// </summary>
internal static class DemoEndpoints
{
    public static void MapDemoUpstreams(this WebApplication app)
    {
        app.MapGet("/crm/contacts/{id}", (string id, HttpRequest request) => Results.Json(new JsonObject
        {
            ["id"] = id,
            ["name"] = "Ada Lovelace",
            ["email"] = "ada@example.com",
            ["card_on_file"] = "4111 1111 1111 1111",
            ["order_number"] = "1234567812345678",
            ["saw_decision_token"] = request.Headers.ContainsKey("X-Gamut-Decision-Token"),
        })).RequireHost($"*:{DemoPorts.Crm}");
        app.MapMethods("/crm/contacts/{id}", ["PATCH"], async (string id, HttpRequest request) =>
            Results.Json(new JsonObject { ["id"] = id, ["updated"] = await JsonNode.ParseAsync(request.Body) })).RequireHost($"*:{DemoPorts.Crm}");
        app.MapGet("/tickets/search", (string? q) => Results.Json(new JsonArray
        {
            new JsonObject { ["id"] = "T-1", ["title"] = "Refund request", ["reporter"] = "grace@example.com" },
        })).RequireHost($"*:{DemoPorts.Tickets}");
        app.MapPost("/payments/refunds", async (HttpRequest request) => Results.Json(new JsonObject
        {
            ["refund_id"] = "rf_" + Guid.NewGuid().ToString("N")[..8],
            ["status"] = "succeeded",
            ["request"] = await JsonNode.ParseAsync(request.Body),
        })).RequireHost($"*:{DemoPorts.Payments}");
        app.MapPost("/mail", () => Results.Json(new JsonObject { ["queued"] = true })).RequireHost($"*:{DemoPorts.Mail}");
        app.MapPost("/exec", () => Results.Json(new JsonObject { ["error"] = "the gateway should never let this through" }, statusCode: 500))
            .RequireHost($"*:{DemoPorts.BuildHost}");
        app.MapGet("/context", (string? scope, string? query) => Results.Text(
            $"Workspace notes for '{query}': the Q3 plan ships the gateway; owner ops@example.com.", "text/plain"))
            .RequireHost($"*:{DemoPorts.Context}");
        app.MapPost("/v1/chat/completions", ChatAsync).RequireHost($"*:{DemoPorts.OpenAI}");
        app.MapPost("/mcp", McpAsync).RequireHost($"*:{DemoPorts.Docs}");
    }

    private static async Task ChatAsync(HttpContext context)
    {
        var request = await JsonNode.ParseAsync(context.Request.Body) ?? new JsonObject();
        var model = request["model"]?.GetValue<string>() ?? "demo";
        var words = new[] { "Hello", " from", " the", " demo", " model", " (", model, ")." };
        var usage = new JsonObject { ["prompt_tokens"] = 12, ["completion_tokens"] = words.Length, ["total_tokens"] = 12 + words.Length };
        if (request["stream"]?.GetValue<bool>() != true)
        {
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = "chatcmpl-demo",
                ["object"] = "chat.completion",
                ["model"] = model,
                ["choices"] = new JsonArray { new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = string.Concat(words) }, ["finish_reason"] = "stop" } },
                ["usage"] = usage,
            });
            return;
        }

        context.Response.ContentType = "text/event-stream";
        foreach (var word in words)
        {
            var chunk = new JsonObject
            {
                ["id"] = "chatcmpl-demo",
                ["object"] = "chat.completion.chunk",
                ["model"] = model,
                ["choices"] = new JsonArray { new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = word } } },
            };
            await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(50);
        }

        var final = new JsonObject { ["id"] = "chatcmpl-demo", ["object"] = "chat.completion.chunk", ["model"] = model, ["choices"] = new JsonArray(), ["usage"] = usage };
        await context.Response.WriteAsync($"data: {final.ToJsonString()}\n\ndata: [DONE]\n\n");
    }

    // A minimal MCP server over streamable HTTP (JSON responses): initialize, tools/list, tools/call.
    private static async Task<IResult> McpAsync(HttpRequest request)
    {
        using var document = await JsonDocument.ParseAsync(request.Body);
        var root = document.RootElement;
        var method = root.TryGetProperty("method", out var m) ? m.GetString() : null;
        if (!root.TryGetProperty("id", out var id))
        {
            return Results.Accepted();
        }

        JsonNode result = method switch
        {
            "initialize" => new JsonObject
            {
                ["protocolVersion"] = root.GetProperty("params").TryGetProperty("protocolVersion", out var v) ? v.GetString() : "2025-06-18",
                ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
                ["serverInfo"] = new JsonObject { ["name"] = "demo-docs", ["version"] = "1.0.0" },
            },
            "tools/list" => new JsonObject
            {
                ["tools"] = new JsonArray
                {
                    Tool("search", "Searches the product documentation by free text; answers the best matching document's title.",
                        "query", "Words to search the documentation for, e.g. getting started."),
                    Tool("delete_document", "Deletes one document by its id.", "id", "The document's id, e.g. d-1."),
                },
            },
            "tools/call" => new JsonObject
            {
                ["content"] = new JsonArray { new JsonObject { ["type"] = "text", ["text"] = "Found: 'Getting started with the gateway' (owner docs@example.com)" } },
            },
            _ => new JsonObject(),
        };
        return Results.Json(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = JsonNode.Parse(id.GetRawText()), ["result"] = result });
    }

    private static JsonObject Tool(string name, string description, string argument, string argumentDescription) => new()
    {
        ["name"] = name,
        ["description"] = description,
        ["inputSchema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { [argument] = new JsonObject { ["type"] = "string", ["description"] = argumentDescription } },
            ["required"] = new JsonArray(argument),
        },
    };
}
