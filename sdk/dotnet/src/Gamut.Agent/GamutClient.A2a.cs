using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gamut.Agent;

/// <summary>
/// A2A (docs/a2a.md) through the gateway's <c>/a2a/{connector}</c> route: every call signed like any agent request, each
/// message decided per skill. A held message throws <see cref="GamutApprovalRequiredException"/>; a JSON-RPC error throws
/// a typed exception with the gateway's stable code. A2A 1.0 method names by default, 0.3's with <see cref="A2aVersion.V0_3"/>.
/// </summary>
public sealed partial class GamutClient
{
    /// <summary>The <c>params.metadata</c> key naming the skill.</summary>
    public const string A2aSkillMetadataKey = "gamut.dev/skill";

    /// <summary>The <c>params.metadata</c> key a retried message carries an approval's warrant under.</summary>
    public const string A2aWarrantMetadataKey = "gamut.dev/warrant";

    /// <summary>The held task's <c>metadata</c> key naming its approval <c>{id, url}</c>.</summary>
    public const string A2aApprovalMetadataKey = "gamut.dev/approval";

    private static readonly string[] JsonAccept = ["application/json", "application/problem+json"];
    private static readonly string[] StreamAccept = ["text/event-stream", "application/json"];
    private static long _a2aIds;

    /// <summary>
    /// GET /a2a/{connector}/.well-known/agent-card.json: the remote card rewritten to name the gateway, filtered, signed by
    /// it; its signature verified with the gateway's receipt keys (<see cref="GamutCardSignatureException"/> when it does not),
    /// and only the members it covers returned, with <c>url</c> and <c>signatures</c>.
    /// </summary>
    public async Task<JsonElement> GetAgentCardAsync(string connector, CancellationToken cancellationToken = default)
    {
        var (status, _, body, retryAfter) = await ExchangeAsync(HttpMethod.Get, A2aRoute(connector) + "/.well-known/agent-card.json", null, null, PersonToken, JsonAccept, cancellationToken).ConfigureAwait(false);
        var card = ParseJson(body);
        if (status is < 200 or > 299)
        {
            throw ErrorFor(status, card, retryAfter);
        }

        if (card is not { ValueKind: JsonValueKind.Object } c)
        {
            throw new GamutProtocolException("The gateway answered the agent card without a JSON object.");
        }

        await CheckCardSignatureAsync(c, cancellationToken).ConfigureAwait(false);
        return GamutAgentCards.SignedMembers(c);
    }

    /// <summary>
    /// <c>SendMessage</c> (<c>message/send</c>): the remote agent's task or message. A held message throws
    /// <see cref="GamutApprovalRequiredException"/>; with <see cref="A2aCallOptions.WaitForApproval"/> it waits and resends it once with the warrant.
    /// </summary>
    public async Task<A2aSendResult> SendMessageAsync(string connector, A2aMessage message, A2aCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new A2aCallOptions();
        var parameters = MessageParams(message, options.Version);
        JsonElement result;
        try
        {
            result = await A2aCallAsync(connector, Method(options.Version, "send"), parameters, options, cancellationToken).ConfigureAwait(false);
        }
        catch (GamutApprovalRequiredException required) when (options.WaitForApproval is not null)
        {
            // Nothing was sent to the remote agent, so one resend with the warrant cannot send the message twice.
            var warrant = await WaitForApprovalAsync(required.ApprovalId, options.WaitForApproval, null, cancellationToken).ConfigureAwait(false);
            var retried = (JsonObject)parameters.DeepClone();
            retried["metadata"]![A2aWarrantMetadataKey] = warrant;
            result = await A2aCallAsync(connector, Method(options.Version, "send"), retried, options, cancellationToken).ConfigureAwait(false);
        }

        return SendResult(result);
    }

    /// <summary><c>SendStreamingMessage</c> (<c>message/stream</c>): each event's <c>result</c>, in order; a held message throws before the first.</summary>
    public async IAsyncEnumerable<JsonElement> StreamMessageAsync(string connector, A2aMessage message, A2aCallOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new A2aCallOptions();
        var parameters = MessageParams(message, options.Version);
        var (status, mediaType, body, retryAfter) = await ExchangeAsync(HttpMethod.Post, A2aRoute(connector), Request(Method(options.Version, "stream"), parameters),
            options.Timeout, PersonToken, StreamAccept, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            yield return Outcome(status, ParseJson(body), retryAfter, parameters, isMessage: true);
            yield break;
        }

        foreach (var block in Encoding.UTF8.GetString(body).Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var data = string.Join('\n', block.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart()));
            if (data.Length > 0)
            {
                yield return Outcome(status, ParseJson(Encoding.UTF8.GetBytes(data)), retryAfter, parameters, isMessage: false);
            }
        }
    }

    /// <summary><c>GetTask</c> (<c>tasks/get</c>) of a task this agent opened.</summary>
    public Task<JsonElement> GetTaskAsync(string connector, string taskId, A2aCallOptions? options = null, CancellationToken cancellationToken = default) =>
        A2aCallAsync(connector, Method((options ??= new()).Version, "get"), TaskParams(taskId), options, cancellationToken);

    /// <summary><c>CancelTask</c> (<c>tasks/cancel</c>) of a task this agent opened.</summary>
    public Task<JsonElement> CancelTaskAsync(string connector, string taskId, A2aCallOptions? options = null, CancellationToken cancellationToken = default) =>
        A2aCallAsync(connector, Method((options ??= new()).Version, "cancel"), TaskParams(taskId), options, cancellationToken);

    /// <summary><c>ListTasks</c> (<c>tasks/list</c>; <paramref name="parameters"/> e.g. <c>contextId</c>, <c>pageSize</c>): <c>{tasks, …}</c>, only this agent's tasks.</summary>
    public Task<JsonElement> ListTasksAsync(string connector, JsonObject? parameters = null, A2aCallOptions? options = null, CancellationToken cancellationToken = default) =>
        A2aCallAsync(connector, Method((options ??= new()).Version, "list"), (JsonObject?)parameters?.DeepClone() ?? [], options, cancellationToken);

    private async Task<JsonElement> A2aCallAsync(string connector, string method, JsonObject parameters, A2aCallOptions options, CancellationToken cancellationToken)
    {
        var (status, _, body, retryAfter) = await ExchangeAsync(HttpMethod.Post, A2aRoute(connector), Request(method, parameters), options.Timeout, PersonToken,
            ["application/json"], cancellationToken).ConfigureAwait(false);
        return Outcome(status, ParseJson(body), retryAfter, parameters, isMessage: parameters.ContainsKey("message"));
    }

    private static JsonObject Request(string method, JsonObject parameters) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = $"gamut-{Interlocked.Increment(ref _a2aIds)}",
        ["method"] = method,
        ["params"] = parameters.DeepClone(),
    };

    /// <summary>The reply's <c>result</c>, or the typed exception its error or held task names.</summary>
    private static JsonElement Outcome(int status, JsonElement? reply, System.Net.Http.Headers.RetryConditionHeaderValue? retryAfter, JsonObject parameters, bool isMessage)
    {
        if (reply is not { ValueKind: JsonValueKind.Object } r || !r.TryGetProperty("jsonrpc", out var version) || version.GetString() != "2.0")
        {
            throw status is < 200 or > 299 ? ErrorFor(status, reply, retryAfter) : new GamutProtocolException($"The gateway answered {status} without a JSON-RPC reply.");
        }

        if (r.TryGetProperty("error", out var error))
        {
            throw A2aError(error, retryAfter);
        }

        if (!r.TryGetProperty("result", out var result))
        {
            throw new GamutProtocolException("The JSON-RPC reply has neither result nor error.");
        }

        var task = result.ValueKind != JsonValueKind.Object ? (JsonElement?)null
            : result.TryGetProperty("task", out var t) && t.ValueKind == JsonValueKind.Object ? t
            : Text(result, "kind") == "task" ? result : null;
        if (isMessage && task is { } held && held.TryGetProperty("status", out var taskStatus) && Text(taskStatus, "state") is "TASK_STATE_INPUT_REQUIRED" or "input-required"
            && held.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty(A2aApprovalMetadataKey, out var approval) && Text(approval, "id") is { } approvalId)
        {
            var problem = JsonSerializer.SerializeToElement(new JsonObject { ["code"] = "approval_required", ["approval"] = JsonNode.Parse(approval.GetRawText()), ["task"] = JsonNode.Parse(held.GetRawText()) });
            throw new GamutApprovalRequiredException($"The message was held for approval {approvalId}.", "approval_required", "require_approval", null, null, problem, approvalId)
            {
                MessageId = parameters["message"]?["messageId"]?.GetValue<string>(),
            };
        }

        return result;
    }

    private static GamutException A2aError(JsonElement error, System.Net.Http.Headers.RetryConditionHeaderValue? retryAfter)
    {
        var rpcCode = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
        var data = error.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : (JsonElement?)null;
        var code = data is { } dc ? Text(dc, "code") : null;
        code ??= $"jsonrpc_{rpcCode}";
        var decision = data is { } dd ? Text(dd, "decision") : null;
        var explanation = data is { } de && de.TryGetProperty("explanation", out var e) ? e : (JsonElement?)null;
        var requestId = data is { } dr ? Text(dr, "request_id") : null;
        var message = $"{Text(error, "message") ?? "The A2A call was refused."} ({code}, JSON-RPC {rpcCode})";
        if (rpcCode == -31000 && decision is "block" or "block_and_open_incident")
        {
            return new GamutDeniedException(message, code, 200, decision, explanation, requestId, data) { RpcCode = rpcCode };
        }

        // A refusal's data carries its HTTP status (429: a rate, run or budget limit); the wait is the answer's Retry-After.
        var limited = data is { } ds && ds.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number && status.TryGetInt32(out var http) && http == 429;
        if (rpcCode == -31000 && (limited || code.Contains("rate_limit", StringComparison.Ordinal) || code.Contains("budget", StringComparison.Ordinal)))
        {
            return new GamutRateLimitedException(message, code, requestId, data, retryAfter?.Delta, decision, explanation) { RpcCode = rpcCode };
        }

        return new GamutA2aException(message, code, decision, explanation, requestId, data) { RpcCode = rpcCode };
    }

    private static A2aSendResult SendResult(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            throw new GamutProtocolException("The message's result is not a JSON object.");
        }

        if (result.TryGetProperty("task", out var task))
        {
            return new A2aSendResult(task, null);
        }

        if (result.TryGetProperty("message", out var message))
        {
            return new A2aSendResult(null, message);
        }

        return Text(result, "kind") switch
        {
            "task" => new A2aSendResult(result, null),
            "message" => new A2aSendResult(null, result),
            _ => throw new GamutProtocolException("The message's result is neither a task nor a message."),
        };
    }

    private static JsonObject MessageParams(A2aMessage message, A2aVersion version)
    {
        ArgumentNullException.ThrowIfNull(message);
        var v03 = version == A2aVersion.V0_3;
        var parts = (JsonArray?)message.Parts?.DeepClone() ?? [];
        if (message.Parts is null && message.Text is { } text)
        {
            parts.Add(v03 ? new JsonObject { ["kind"] = "text", ["text"] = text } : new JsonObject { ["text"] = text });
        }

        if (message.Parts is null && message.Data is { } data)
        {
            parts.Add(v03 ? new JsonObject { ["kind"] = "data", ["data"] = data.DeepClone() } : new JsonObject { ["data"] = data.DeepClone() });
        }

        if (parts.Count == 0)
        {
            throw new GamutConfigurationException("An A2A message needs text, data or parts.");
        }

        var wire = new JsonObject();
        if (v03)
        {
            wire["kind"] = "message";
        }

        wire["messageId"] = message.MessageId ?? Guid.NewGuid().ToString();
        wire["role"] = v03 ? "user" : "ROLE_USER";
        wire["parts"] = parts;
        if (message.TaskId is { } taskId)
        {
            wire["taskId"] = taskId;
        }

        if (message.ContextId is { } contextId)
        {
            wire["contextId"] = contextId;
        }

        var metadata = (JsonObject?)message.Metadata?.DeepClone() ?? [];
        if (message.Skill is { } skill)
        {
            metadata[A2aSkillMetadataKey] = skill;
        }

        if (message.Warrant is { } warrant)
        {
            metadata[A2aWarrantMetadataKey] = warrant;
        }

        return new JsonObject { ["message"] = wire, ["metadata"] = metadata };
    }

    private static JsonObject TaskParams(string taskId) =>
        string.IsNullOrEmpty(taskId) ? throw new GamutConfigurationException("A task id is required.") : new JsonObject { ["id"] = taskId };

    private static string Method(A2aVersion version, string kind) => (version, kind) switch
    {
        (A2aVersion.V1_0, "send") => "SendMessage",
        (A2aVersion.V1_0, "stream") => "SendStreamingMessage",
        (A2aVersion.V1_0, "get") => "GetTask",
        (A2aVersion.V1_0, "cancel") => "CancelTask",
        (A2aVersion.V1_0, "list") => "ListTasks",
        (A2aVersion.V0_3, "send") => "message/send",
        (A2aVersion.V0_3, "stream") => "message/stream",
        (A2aVersion.V0_3, "get") => "tasks/get",
        (A2aVersion.V0_3, "cancel") => "tasks/cancel",
        (A2aVersion.V0_3, "list") => "tasks/list",
        _ => throw new GamutConfigurationException($"A2A version '{version}' is not spoken here (1.0 or 0.3)."),
    };

    private string A2aRoute(string connector) =>
        connector is not null && ConnectorName().IsMatch(connector) ? $"/a2a/{connector}" : throw new GamutConfigurationException($"'{connector}' is not a connector name.");

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
