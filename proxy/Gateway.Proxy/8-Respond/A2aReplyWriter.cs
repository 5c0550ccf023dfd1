using System.Text.Json;
using Gateway.Connectors.Results;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Answers an A2A request on <c>/a2a/{connector}</c> in JSON-RPC under the caller's id. A call carried out is answered
/// with the remote agent's <c>result</c> (redacted) or its own JSON-RPC <c>error</c>, as it sent them but for what only the
/// gateway may say (<see cref="A2aRemoteAnswer"/>: <c>gamut.dev/…</c> metadata members, the refusal code -31000 and a
/// decision are removed): a task the remote
/// agent puts in <c>auth-required</c> is passed on as such, never answered with a credential; a task listing keeps only the
/// caller's tasks (<see cref="A2aCallerTasks"/>). A message held for approval is
/// answered as a task in <c>input-required</c> whose id is the approval's and whose metadata names it
/// (<c>gamut.dev/approval</c>: id and poll URL); the agent resends the message with the approval's warrant
/// (<c>metadata["gamut.dev/warrant"]</c>) once a named person approved it.
/// </summary>
internal static class A2aReplyWriter
{
    /// <summary>
    /// The answer to a call that was carried out: one JSON-RPC response, or for a streamed request (<paramref name="request"/>'s
    /// method) an event stream of them, one per event of the remote agent's stream, in order.
    /// </summary>
    public static async Task WriteResultAsync(HttpContext context, string id, JsonElement request, ConnectorResult result, A2aCallerTasks tasks)
    {
        using var document = JsonDocument.Parse(result.Json);
        var json = document.RootElement;
        var ok = result.StatusCode is >= 200 and < 300;
        var streamed = A2aMethods.IsStreamed(MethodOf(request));
        var replies = ok && streamed && json.ValueKind == JsonValueKind.Array
            ? [.. json.EnumerateArray()]
            : new[] { ok ? Wrap("result", json) : json.ValueKind == JsonValueKind.Object ? Wrap("error", json) : default };
        if (ok && !streamed && A2aMethods.Of(MethodOf(request)) == A2aOperation.ListTasks)
        {
            replies = [Wrap("result", await OwnTasksAsync(json, tasks).ConfigureAwait(false))];
        }

        var requestId = RequestIdMiddleware.GetRequestId(context);
        var bodies = replies.Select(reply => JsonResponseBody.Serialize((id, reply, requestId), static (writer, s) => WriteReply(writer, s.id, s.reply, s.requestId))).ToList();
        await WriteAsync(context, bodies, streamed).ConfigureAwait(false);
    }

    /// <summary>The tasks a carried-out call's answer names (none for a task listing, whose tasks are not all the caller's).</summary>
    public static IReadOnlyList<string> TaskIdsOf(JsonElement request, ConnectorResult result) =>
        [.. Results(request, result).Select(A2aTaskEvents.TaskIdOf).OfType<string>()];

    /// <summary>The contexts a carried-out call's answer names (none for a task listing, whose tasks are not all the caller's).</summary>
    public static IReadOnlyList<string> ContextIdsOf(JsonElement request, ConnectorResult result) =>
        [.. Results(request, result).Select(A2aTaskEvents.ContextIdOf).OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The task states a carried-out call's answer shows (a task, or the status updates of a stream read whole), in order;
    /// none for a task listing, whose tasks are not all the caller's, and for an answer that is not a result.
    /// </summary>
    public static IReadOnlyList<A2aTaskState> StatesOf(JsonElement request, ConnectorResult result) =>
        [.. Results(request, result).Select(A2aTaskEvents.StateOf).OfType<A2aTaskState>()];

    /// <summary>The results a carried-out call's answer carries (a reply's, or each of a stream read whole); none for a listing or an answer that is not a result.</summary>
    private static List<JsonElement> Results(JsonElement request, ConnectorResult result)
    {
        var method = MethodOf(request);
        if (result.StatusCode is < 200 or >= 300 || A2aMethods.Of(method) == A2aOperation.ListTasks)
        {
            return [];
        }

        using var document = JsonDocument.Parse(result.Json);
        var json = document.RootElement;
        return A2aMethods.IsStreamed(method) && json.ValueKind == JsonValueKind.Array
            ? [.. json.EnumerateArray().Select(static reply => reply.TryGetProperty("result", out var r) ? r.Clone() : default)]
            : [json.Clone()];
    }

    /// <summary>
    /// The end of a relayed event stream that could not be relayed to its end (beyond the connector's limit, broken, cut):
    /// a last event carrying the refusal as a JSON-RPC error under the caller's id.
    /// </summary>
    public static async Task WriteStreamErrorAsync(HttpContext context, string id, Refusal refusal)
    {
        context.GatewayRequest().MarkRefused(refusal.Status, refusal.Code);
        var body = JsonResponseBody.Serialize((refusal, requestId: RequestIdMiddleware.GetRequestId(context), id), static (writer, s) =>
            ProviderRefusalBody.WriteJsonRpc(writer, s.refusal, s.requestId, s.id));
        try
        {
            await context.Response.Body.WriteAsync("data: "u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.WriteAsync("\n\n"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The caller is gone: the outcome is on record all the same.
        }
    }

    private static void WriteReply(Utf8JsonWriter writer, string id, JsonElement reply, string requestId)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0");
        writer.WritePropertyName("id"u8);
        writer.WriteRawValue(id, skipInputValidation: false);
        if (reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("result", out var answered))
        {
            // Without the gateway's own metadata members (gamut.dev/…): a remote agent's cannot pass for the gateway's.
            writer.WritePropertyName("result"u8);
            A2aRemoteAnswer.WriteResult(writer, answered);
        }
        else if (reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            // The remote agent's own JSON-RPC error, as it sent it (redacted), but never under the gateway's refusal code or with a decision.
            writer.WritePropertyName("error"u8);
            A2aRemoteAnswer.WriteError(writer, error);
        }
        else
        {
            writer.WriteStartObject("error"u8);
            writer.WriteNumber("code"u8, -32006);
            writer.WriteString("message"u8, "The remote agent gave no valid answer to the request.");
            writer.WriteStartObject("data"u8);
            writer.WriteString("code"u8, "upstream_unavailable");
            writer.WriteString("request_id"u8, requestId);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>One JSON body, or an event stream with one <c>data:</c> event per body.</summary>
    private static async Task WriteAsync(HttpContext context, IReadOnlyList<byte[]> bodies, bool streamed)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        if (!streamed)
        {
            response.ContentType = "application/json";
            response.ContentLength = bodies[0].Length;
            await response.Body.WriteAsync(bodies[0], context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        foreach (var body in bodies)
        {
            await response.Body.WriteAsync("data: "u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
            await response.Body.WriteAsync("\n\n"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A task listing's answer with only the caller's tasks (1.0's <c>{"tasks":[…]}</c>, or a bare list), and without the
    /// remote agent's <c>totalSize</c>, which would count other agents' tasks; an answer in any other shape lists nothing
    /// (<c>{"tasks":[]}</c>), since the tasks in it could not be told apart.
    /// </summary>
    private static async Task<JsonElement> OwnTasksAsync(JsonElement listing, A2aCallerTasks caller)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(listing.GetRawText());
        var tasks = node as System.Text.Json.Nodes.JsonArray ?? (node as System.Text.Json.Nodes.JsonObject)?["tasks"] as System.Text.Json.Nodes.JsonArray;
        if (tasks is null)
        {
            tasks = [];
            node = new System.Text.Json.Nodes.JsonObject { ["tasks"] = tasks };
        }

        for (var i = tasks.Count - 1; i >= 0; i--)
        {
            var id = tasks[i] is System.Text.Json.Nodes.JsonObject task && task["id"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
            if (id is null || !await caller.OwnsAsync(id).ConfigureAwait(false))
            {
                tasks.RemoveAt(i);
            }
        }

        (node as System.Text.Json.Nodes.JsonObject)?.Remove("totalSize");
        using var document = JsonDocument.Parse(node?.ToJsonString() ?? "null");
        return document.RootElement.Clone();
    }

    private static JsonElement Wrap(string member, JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName(member);
            value.WriteTo(writer);
            writer.WriteEndObject();
        }

        using var wrapped = JsonDocument.Parse(buffer.WrittenMemory);
        return wrapped.RootElement.Clone();
    }

    private static string MethodOf(JsonElement request) =>
        request.ValueKind == JsonValueKind.Object && request.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : string.Empty;

    /// <summary>A message held for approval: a task in <c>input-required</c> naming the approval, in the wire version the request spoke.</summary>
    public static Task WriteHeldAsync(HttpContext context, string id, JsonElement request, GovernedDecision held)
    {
        var method = MethodOf(request);
        var version03 = A2aMethods.IsVersion03(method);
        var contextId = request.TryGetProperty("params", out var p) && p.TryGetProperty("message", out var message)
            && message.TryGetProperty("contextId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var approval = held.Approval!;
        var state = (id, version03, contextId ?? "ctx-" + approval.Id, approval, RequestIdMiddleware.GetRequestId(context), held.Decision.Kind.ToString());
        return WriteAsync(context, [JsonResponseBody.Serialize(state, static (writer, s) =>
        {
            var (id, version03, contextId, approval, requestId, _) = s;
            var text = $"A named person must approve this message before it is sent (approval {approval.Id}). Poll {approval.Url}; once approved, send the message again with the warrant in metadata[\"{A2aRequestReader.WarrantMetaKey}\"].";
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0");
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(id, skipInputValidation: false);
            writer.WriteStartObject("result"u8);
            if (!version03)
            {
                writer.WriteStartObject("task"u8);
            }
            else
            {
                writer.WriteString("kind"u8, "task");
            }

            writer.WriteString("id"u8, approval.Id);
            writer.WriteString("contextId"u8, contextId);
            writer.WriteStartObject("status"u8);
            writer.WriteString("state"u8, version03 ? "input-required" : "TASK_STATE_INPUT_REQUIRED");
            writer.WriteStartObject("message"u8);
            if (version03)
            {
                writer.WriteString("kind"u8, "message");
            }

            writer.WriteString("role"u8, version03 ? "agent" : "ROLE_AGENT");
            writer.WriteString("messageId"u8, "msg-" + approval.Id);
            writer.WriteString("taskId"u8, approval.Id);
            writer.WriteString("contextId"u8, contextId);
            writer.WriteStartArray("parts"u8);
            writer.WriteStartObject();
            if (version03)
            {
                writer.WriteString("kind"u8, "text");
            }

            writer.WriteString("text"u8, text);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartObject("metadata"u8);
            writer.WriteStartObject("gamut.dev/approval"u8);
            writer.WriteString("id"u8, approval.Id);
            writer.WriteString("url"u8, approval.Url);
            writer.WriteEndObject();
            writer.WriteString("gamut.dev/request_id"u8, requestId);
            writer.WriteEndObject();
            if (!version03)
            {
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        })], A2aMethods.IsStreamed(method));
    }
}
