using System.Text.Json;
using Gateway.Connectors.Results;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Answers an A2A request on <c>/a2a/{connector}</c> in JSON-RPC under the caller's id. A call carried out is answered
/// with the remote agent's <c>result</c> (redacted) or its own JSON-RPC <c>error</c>, as it sent them: a task the remote
/// agent puts in <c>auth-required</c> is passed on as such, never answered with a credential. A task the answer names is
/// recorded as the caller's (<see cref="A2aTaskOwners"/>) before the answer is written. A message held for approval is
/// answered as a task in <c>input-required</c> whose id is the approval's and whose metadata names it
/// (<c>gamut.dev/approval</c>: id and poll URL); the agent resends the message with the approval's warrant
/// (<c>metadata["gamut.dev/warrant"]</c>) once a named person approved it.
/// </summary>
internal static class A2aReplyWriter
{
    /// <summary>The answer to a call that was carried out.</summary>
    public static async Task WriteResultAsync(HttpContext context, string id, GovernedDecision governed, ConnectorResult result)
    {
        using var document = JsonDocument.Parse(result.Json);
        var json = document.RootElement;
        var ok = result.StatusCode is >= 200 and < 300;
        if (ok && TaskIdOf(json) is { } taskId)
        {
            var identity = context.GatewayRequest().Get<Admission>().Identity!;
            var connector = context.GetRouteValue("connector") as string ?? string.Empty;
            await context.RequestServices.GetRequiredService<A2aTaskOwners>()
                .RecordAsync(identity.Tenant, connector, taskId, identity.Agent, CancellationToken.None).ConfigureAwait(false);
        }

        var receipt = RecordedDecision.ReceiptOf(context);
        await JsonResponseBody.WriteAsync(context.Response, (id, json, ok, governed, RequestIdMiddleware.GetRequestId(context), receipt), static (writer, s) =>
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0");
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(s.id, skipInputValidation: false);
            if (s.ok)
            {
                writer.WritePropertyName("result"u8);
                s.json.WriteTo(writer);
            }
            else if (s.json.ValueKind == JsonValueKind.Object)
            {
                writer.WritePropertyName("error"u8);
                s.json.WriteTo(writer);
            }
            else
            {
                writer.WriteStartObject("error"u8);
                writer.WriteNumber("code"u8, -32006);
                writer.WriteString("message"u8, "The remote agent gave no valid answer to the request.");
                writer.WriteStartObject("data"u8);
                writer.WriteString("code"u8, "upstream_unavailable");
                writer.WriteString("request_id"u8, s.Item5);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A message held for approval: a task in <c>input-required</c> naming the approval, in the wire version the request spoke.</summary>
    public static Task WriteHeldAsync(HttpContext context, string id, JsonElement request, GovernedDecision held)
    {
        var method = request.TryGetProperty("method", out var m) ? m.GetString() ?? string.Empty : string.Empty;
        var version03 = A2aMethods.IsVersion03(method);
        var contextId = request.TryGetProperty("params", out var p) && p.TryGetProperty("message", out var message)
            && message.TryGetProperty("contextId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var approval = held.Approval!;
        var state = (id, version03, contextId ?? "ctx-" + approval.Id, approval, RequestIdMiddleware.GetRequestId(context), held.Decision.Kind.ToString());
        context.Response.StatusCode = StatusCodes.Status200OK;
        return JsonResponseBody.WriteAsync(context.Response, state, static (writer, s) =>
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
        }, context.RequestAborted);
    }

    /// <summary>The task a message's answer names: 1.0's <c>{"task":{"id"}}</c>, 0.3's <c>{"kind":"task","id"}</c>, or a message's <c>taskId</c>.</summary>
    private static string? TaskIdOf(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (result.TryGetProperty("task", out var task) && task.ValueKind == JsonValueKind.Object)
        {
            result = task;
        }
        else if (result.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
        {
            result = message;
        }

        if (result.TryGetProperty("status", out _) && result.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            return id.GetString();
        }

        return result.TryGetProperty("taskId", out var taskId) && taskId.ValueKind == JsonValueKind.String ? taskId.GetString() : null;
    }
}
