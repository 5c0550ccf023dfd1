using System.Text.Json;
using Gateway.Connectors.Results;
using Gateway.Policy;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;

using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Answers a <c>tools/call</c> on <c>/mcp</c> in JSON-RPC. An MCP server's tool result is passed on as its server
/// answered it (redacted), structured and binary content included; its JSON-RPC error is passed on as an error, without
/// what only the gateway says on <c>/mcp</c> (<see cref="GatewayCodes"/>, <see cref="UpstreamJsonRpcError"/>). An
/// HTTP tool's answer becomes a tool result: its body as text, a JSON object also as <c>structuredContent</c>, and
/// <c>isError</c> for a 4xx or 5xx. Every result carries the decision, the decision token and the request id under
/// <c>_meta</c> (<c>gamut.dev/…</c> keys), which a client that does not know them ignores. When the server's progress
/// was relayed (<c>7-Forward/McpProgressRelay.cs</c>), the response is already an event stream and the answer is its last event.
/// A <c>resources/read</c> result for a 2026-07-28 client carries the gateway's caching hints (<see cref="WriteCachingHints"/>).
/// </summary>
internal static class McpToolResultWriter
{
    /// <summary>
    /// The codes the gateway itself answers under on <c>/mcp</c> besides JSON-RPC's own: its refusal (-31000), its URL
    /// elicitation (-32042, an approval's or a link's page), a protocol version it does not speak (-32022) and mirrored headers
    /// that do not match the body (-32020). A server's error under one reaches the client as -32603.
    /// </summary>
    internal static readonly int[] GatewayCodes =
    [
        ProviderRefusalBody.JsonRpcRefusalCode, McpApprovalElicitation.UrlElicitationRequired, McpProtocolVersionCheck.UnsupportedCode, McpMirroredHeaders.HeaderMismatchCode,
    ];

    /// <summary>The answer to a call that was carried out.</summary>
    public static Task WriteResultAsync(HttpContext context, string id, JsonElement call, GovernedDecision governed, ConnectorResult result) =>
        WriteAsync(context, (id, governed, result, new MetaIds(RequestIdMiddleware.GetRequestId(context), RecordedDecision.ReceiptOf(context)), WantsResultType(context, call), call), static (writer, s) =>
        {
            var (id, governed, result, requestId, resultType, call) = s;
            WriteEnvelopeStart(writer, id);
            using var document = JsonDocument.Parse(result.Json);
            var json = document.RootElement;
            if (governed.Entry?.Kind is ConnectorKind.McpTool or ConnectorKind.Mcp)
            {
                if (result.StatusCode is >= 200 and < 300 && json.ValueKind == JsonValueKind.Object)
                {
                    writer.WriteStartObject("result"u8);
                    var cachingHints = resultType && IsResourceRead(call);
                    WriteMembersExceptMeta(writer, json, cachingHints);
                    WriteResultType(writer, json, resultType);
                    WriteCachingHints(writer, cachingHints);
                    WriteMeta(writer, json, governed, requestId);
                    writer.WriteEndObject();
                }
                else if (json.ValueKind == JsonValueKind.Object)
                {
                    // The server's own JSON-RPC error (redacted), without the gateway's codes and refusal members.
                    writer.WritePropertyName("error"u8);
                    UpstreamJsonRpcError.Write(writer, json, GatewayCodes);
                }
                else
                {
                    WriteTextResult(writer, "The MCP server gave no answer to the call.", default, isError: true, governed, requestId, resultType);
                }
            }
            else if (governed.Entry?.Kind == ConnectorKind.Context)
            {
                // A context pack read as a resource: its contents under the URI the client asked for.
                writer.WriteStartObject("result"u8);
                writer.WriteStartArray("contents"u8);
                writer.WriteStartObject();
                writer.WriteString("uri"u8, RequestedUri(call));
                writer.WriteString("mimeType"u8, json.ValueKind == JsonValueKind.String ? "text/plain" : "application/json");
                writer.WriteString("text"u8, json.ValueKind == JsonValueKind.String ? json.GetString() : json.GetRawText());
                writer.WriteEndObject();
                writer.WriteEndArray();
                WriteResultType(writer, default, resultType);
                WriteCachingHints(writer, resultType && IsResourceRead(call));
                WriteMeta(writer, default, governed, requestId);
                writer.WriteEndObject();
            }
            else
            {
                WriteTextResult(writer, json.ValueKind == JsonValueKind.String ? json.GetString()! : json.GetRawText(), json.ValueKind == JsonValueKind.Object ? json : default,
                    isError: result.StatusCode >= 400, governed, requestId, resultType);
            }

            writer.WriteEndObject();
        });

    /// <summary>The answer to a call that was decided but not carried out (a simulation, an evaluation-only decision).</summary>
    public static Task WriteDecisionAsync(HttpContext context, string id, JsonElement call, GovernedDecision governed) =>
        WriteAsync(context, (id, governed, new MetaIds(RequestIdMiddleware.GetRequestId(context), RecordedDecision.ReceiptOf(context)), WantsResultType(context, call)), static (writer, s) =>
        {
            var (id, governed, requestId, resultType) = s;
            WriteEnvelopeStart(writer, id);
            WriteTextResult(writer, $"The gateway decided {WireNames.Of(governed.Kind)} and carried nothing out (a simulation).", default, isError: false, governed, requestId, resultType);
            writer.WriteEndObject();
        });

    private static Task WriteAsync<TState>(HttpContext context, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // The server's progress was relayed as it came: the answer is the stream's last event.
            return context.GatewayRequest().Get<McpCallStream>().WriteAsync(response, JsonResponseBody.Serialize(state, write), last: true, context.RequestAborted);
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        return JsonResponseBody.WriteAsync(response, state, write, context.RequestAborted);
    }

    private static void WriteEnvelopeStart(Utf8JsonWriter writer, string id)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        writer.WritePropertyName("id"u8);
        writer.WriteRawValue(id, skipInputValidation: false);
    }

    /// <summary>A tool result of one text content (and the JSON object it is, as structured content), its error flag and the gateway's <c>_meta</c>.</summary>
    private static void WriteTextResult(Utf8JsonWriter writer, string text, JsonElement structured, bool isError, GovernedDecision governed, MetaIds requestId, bool resultType)
    {
        writer.WriteStartObject("result"u8);
        writer.WriteStartArray("content"u8);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "text"u8);
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (structured.ValueKind == JsonValueKind.Object)
        {
            writer.WritePropertyName("structuredContent"u8);
            structured.WriteTo(writer);
        }

        writer.WriteBoolean("isError"u8, isError);
        WriteResultType(writer, default, resultType);
        WriteMeta(writer, default, governed, requestId);
        writer.WriteEndObject();
    }

    /// <summary>
    /// True when the client speaks a revision that requires <c>resultType</c>: it says so in the call's
    /// <c>params._meta["io.modelcontextprotocol/protocolVersion"]</c> or in the <c>MCP-Protocol-Version</c> header.
    /// </summary>
    private static bool WantsResultType(HttpContext context, JsonElement call)
    {
        // The first revision whose results carry resultType (a client of it refuses a result without one; older clients
        // are answered without it) is the per-request one.
        var version = McpProtocolVersions.Declared(call) ?? (string?)context.Request.Headers[McpProtocolVersions.Header];
        return version is not null && string.CompareOrdinal(version, McpProtocolVersions.PerRequest) >= 0;
    }

    private static string RequestedUri(JsonElement call) =>
        call.TryGetProperty("params"u8, out var parameters) && parameters.TryGetProperty("uri"u8, out var uri) && uri.ValueKind == JsonValueKind.String
            ? uri.GetString()!
            : string.Empty;

    /// <summary><c>"resultType":"complete"</c> for a client that needs it, unless the server's result said it already.</summary>
    private static void WriteResultType(Utf8JsonWriter writer, JsonElement result, bool wanted)
    {
        if (wanted && !(result.ValueKind == JsonValueKind.Object && result.TryGetProperty("resultType"u8, out _)))
        {
            writer.WriteString("resultType"u8, "complete"u8);
        }
    }

    private static bool IsResourceRead(JsonElement call) =>
        call.ValueKind == JsonValueKind.Object && call.TryGetProperty("method"u8, out var method) && method.ValueKind == JsonValueKind.String && method.ValueEquals("resources/read"u8);

    /// <summary>
    /// The caching hints a 2026-07-28 client reads on a <c>resources/read</c> result (SEP-2549), in place of the server's: a
    /// read is a governed action, decided for this agent each time (a policy change or a kill switch applies to the next
    /// one), so its answer is never to be reused: <c>ttlMs</c> 0, <c>cacheScope</c> private.
    /// </summary>
    private static void WriteCachingHints(Utf8JsonWriter writer, bool wanted)
    {
        if (wanted)
        {
            writer.WriteNumber("ttlMs"u8, 0);
            writer.WriteString("cacheScope"u8, "private"u8);
        }
    }

    private static void WriteMembersExceptMeta(Utf8JsonWriter writer, JsonElement result, bool exceptCachingHints)
    {
        foreach (var member in result.EnumerateObject())
        {
            if (!member.NameEquals("_meta"u8) && !(exceptCachingHints && (member.NameEquals("ttlMs"u8) || member.NameEquals("cacheScope"u8))))
            {
                member.WriteTo(writer);
            }
        }
    }

    /// <summary><c>_meta</c>: the server's own members, then the gateway's.</summary>
    private static void WriteMeta(Utf8JsonWriter writer, JsonElement result, GovernedDecision governed, MetaIds ids)
    {
        writer.WriteStartObject("_meta"u8);
        if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("_meta"u8, out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in meta.EnumerateObject())
            {
                if (!member.Name.StartsWith("gamut.dev/", StringComparison.Ordinal))
                {
                    member.WriteTo(writer);
                }
            }
        }

        writer.WriteString(McpEndpoint.DecisionMetaKey, WireNames.Of(governed.Kind));
        if (governed.DecisionToken is not null)
        {
            writer.WriteString(McpEndpoint.DecisionTokenMetaKey, governed.DecisionToken);
        }

        writer.WriteString(McpEndpoint.RequestIdMetaKey, ids.RequestId);
        if (ids.Receipt is not null)
        {
            writer.WriteString(McpEndpoint.ReceiptMetaKey, ids.Receipt);
        }

        writer.WriteEndObject();
    }

    /// <summary>What the gateway's <c>_meta</c> names besides the decision: the request id and the decision's signed receipt.</summary>
    private readonly record struct MetaIds(string RequestId, string? Receipt);
}
