using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A minimal A2A agent on a real Kestrel server: its card at <c>/.well-known/agent-card.json</c> (skills summarize,
/// translate and wire; signed with <see cref="CardKey"/> when <see cref="SignCard"/>, or with a broken signature when
/// <see cref="BreakSignature"/>), and a JSON-RPC endpoint at <c>/a2a</c> that answers a message with a completed task
/// (echoing its text and an e-mail address the gateway must redact), streams a message's task as three events (working,
/// an artifact, completed; for the message "slowly" the last waits for the client to read the first; "overflow" sends a
/// large artifact; "breaks" drops the connection after the first event; "holds" holds the stream after the first event
/// until the gateway gives it up; <see cref="ReflectCredential"/> answers with the
/// credential the agent was sent, as a remote agent that reflects it would), streams a subscribed task's updates (working,
/// input-required, each after a comment), reads and cancels its tasks, and sets, reads,
/// lists and deletes a task's push-notification configuration. It reads a request's task as a lenient SDK does: a
/// message continues the task its <c>taskId</c> or <c>task_id</c> names; a configuration set names it by <c>taskId</c> or
/// <c>task_id</c>; 0.3's get, list and delete by <c>id</c>, 1.0's by <c>taskId</c>.
/// </summary>
internal sealed class A2aTestAgent
{
    private int _tasks;
    private int _cardReads;

    public ECDsa CardKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public bool SignCard { get; set; }

    public bool BreakSignature { get; set; }

    /// <summary>The JWS protected header the card is signed under (JSON).</summary>
    public string CardHeader { get; set; } = """{"alg":"ES256","kid":"helper-1"}""";

    /// <summary>What the agent received: method and params.</summary>
    public ConcurrentQueue<(string Method, JsonElement Params)> Received { get; } = new();

    /// <summary>The member a task listing is answered under (<c>tasks</c>, as A2A 1.0 names it).</summary>
    public string ListingMember { get; set; } = "tasks";

    public ConcurrentDictionary<string, string> TaskStates { get; } = new();

    /// <summary>Completed by a test once it read the first event of a stream of the message "slowly", whose last event waits for it.</summary>
    public TaskCompletionSource FirstEventRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once the last event of a stream of the message "slowly" is being sent.</summary>
    public bool LastEventSent { get; private set; }

    /// <summary>The push-notification configuration set for each task (as JSON).</summary>
    public ConcurrentDictionary<string, string> PushConfigs { get; } = new();

    /// <summary>The Authorization header of each JSON-RPC request (empty when none).</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>
    /// When set, the JSON-RPC members (<c>"result":…</c> or <c>"error":…</c>) a message is answered with in place of its task:
    /// the first alone for <c>SendMessage</c>, one event each for <c>SendStreamingMessage</c>.
    /// </summary>
    public IReadOnlyList<string>? Scripted { get; set; }

    /// <summary>How many times its card was read.</summary>
    public int CardReads => Volatile.Read(ref _cardReads);

    /// <summary>The card key as the bundle pins it (a public JWK).</summary>
    public string PinnedJwk()
    {
        var p = CardKey.ExportParameters(includePrivateParameters: false);
        return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + Base64Url.EncodeToString(p.Q.X) + "\",\"y\":\"" + Base64Url.EncodeToString(p.Q.Y) + "\"}";
    }

    public void Map(WebApplication app)
    {
        app.MapGet("/.well-known/agent-card.json", (HttpContext context) =>
        {
            Interlocked.Increment(ref _cardReads);
            return Results.Text(Card(context).ToJsonString(), "application/json");
        });
        app.MapPost("/a2a", async (HttpContext context) =>
        {
            using var request = await JsonDocument.ParseAsync(context.Request.Body);
            var root = request.RootElement;
            var id = root.GetProperty("id").GetRawText();
            var method = root.GetProperty("method").GetString()!;
            var parameters = root.GetProperty("params").Clone();
            Received.Enqueue((method, parameters));
            Authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
            string result;
            if (Scripted is { } scripted && method is "SendMessage" or "message/send")
            {
                return Results.Text("{\"jsonrpc\":\"2.0\",\"id\":" + id + "," + scripted[0] + "}", "application/json");
            }

            if (Scripted is { } scriptedEvents && method is "SendStreamingMessage" or "message/stream")
            {
                context.Response.ContentType = "text/event-stream";
                foreach (var scriptedEvent in scriptedEvents)
                {
                    await context.Response.WriteAsync("data: {\"jsonrpc\":\"2.0\",\"id\":" + id + "," + scriptedEvent + "}\n\n");
                }

                return Results.Empty;
            }

            switch (method)
            {
                case "SendMessage" or "message/send":
                    var text = Reflected(context, parameters.GetProperty("message").GetProperty("parts")[0].GetProperty("text").GetString());
                    var taskId = Named(parameters.GetProperty("message"), "taskId", "task_id") ?? "task-" + Interlocked.Increment(ref _tasks);
                    var state = text == "needs login" ? "TASK_STATE_AUTH_REQUIRED" : "TASK_STATE_COMPLETED";
                    TaskStates[taskId] = text == "needs login" ? "auth-required" : "completed";
                    var task = new JsonObject
                    {
                        ["id"] = taskId,
                        // The context the message names (as a lenient SDK reads it), else a new one for the new task.
                        ["contextId"] = Named(parameters.GetProperty("message"), "contextId", "context_id") ?? "ctx-" + taskId,
                        ["status"] = new JsonObject { ["state"] = state },
                        ["artifacts"] = new JsonArray(new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = $"done: {text}; contact ops@example.com" }) }),
                    };
                    result = new JsonObject { ["task"] = task }.ToJsonString();
                    break;
                case "SendStreamingMessage" or "message/stream":
                    var streamedText = Reflected(context, parameters.GetProperty("message").GetProperty("parts")[0].GetProperty("text").GetString());
                    var streamedTask = "task-" + Interlocked.Increment(ref _tasks);
                    TaskStates[streamedTask] = "completed";
                    var events = new[]
                    {
                        new JsonObject { ["statusUpdate"] = new JsonObject { ["taskId"] = streamedTask, ["contextId"] = "ctx-1", ["status"] = new JsonObject { ["state"] = "TASK_STATE_WORKING" } } },
                        new JsonObject { ["artifactUpdate"] = new JsonObject { ["taskId"] = streamedTask, ["artifact"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = $"done: {streamedText}; contact ops@example.com" }) } } },
                        new JsonObject { ["statusUpdate"] = new JsonObject { ["taskId"] = streamedTask, ["contextId"] = "ctx-1", ["status"] = new JsonObject { ["state"] = "TASK_STATE_COMPLETED" }, ["final"] = true } },
                    };
                    context.Response.ContentType = "text/event-stream";
                    for (var i = 0; i < events.Length; i++)
                    {
                        if (i == events.Length - 1 && streamedText == "slowly")
                        {
                            // The last event waits until the client has read the first (or ten seconds).
                            await Task.WhenAny(FirstEventRead.Task, Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted));
                            LastEventSent = true;
                        }

                        if (i == 1 && streamedText == "overflow")
                        {
                            await Task.Delay(200, context.RequestAborted);
                            events[i]["artifactUpdate"]!["artifact"]!["parts"]![0]!["text"] = new string('x', 4096);
                        }

                        if (i == 1 && streamedText == "holds")
                        {
                            // Neither another event nor the end: held until the gateway cuts the request (its timeout).
                            await Task.WhenAny(Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted));
                            return Results.Empty;
                        }

                        if (i == 1 && streamedText == "breaks")
                        {
                            await Task.Delay(200, context.RequestAborted);
                            context.Abort();
                            return Results.Empty;
                        }

                        await context.Response.WriteAsync("data: {\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + events[i].ToJsonString() + "}\n\n");
                        await context.Response.Body.FlushAsync();
                    }

                    return Results.Empty;
                case "SubscribeToTask" or "tasks/resubscribe":
                    var subscribed = parameters.GetProperty("id").GetString()!;
                    context.Response.ContentType = "text/event-stream";
                    foreach (var subscribedState in (string[])["TASK_STATE_WORKING", "TASK_STATE_INPUT_REQUIRED"])
                    {
                        var update = new JsonObject { ["statusUpdate"] = new JsonObject { ["taskId"] = subscribed, ["status"] = new JsonObject { ["state"] = subscribedState }, ["metadata"] = new JsonObject { ["note"] = "ask ops@example.com" } } };
                        await context.Response.WriteAsync(": keep-alive\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + update.ToJsonString() + "}\n\n");
                        await context.Response.Body.FlushAsync();
                    }

                    return Results.Empty;
                case "GetTask" or "tasks/get":
                    var got = parameters.GetProperty("id").GetString()!;
                    result = new JsonObject { ["id"] = got, ["status"] = new JsonObject { ["state"] = TaskStates.GetValueOrDefault(got, "unknown") } }.ToJsonString();
                    break;
                case "ListTasks" or "tasks/list":
                    var all = new JsonArray([.. TaskStates.Keys.Order(StringComparer.Ordinal).Select(t => (JsonNode)new JsonObject { ["id"] = t, ["status"] = new JsonObject { ["state"] = TaskStates[t] } })]);
                    result = new JsonObject { [ListingMember] = all, ["totalSize"] = all.Count, ["nextPageToken"] = "" }.ToJsonString();
                    break;
                case "CreateTaskPushNotificationConfig" or "tasks/pushNotificationConfig/set":
                    var configured = Named(parameters, "taskId", "task_id")!;
                    var config = JsonNode.Parse(parameters.GetRawText())!.AsObject();
                    config["id"] = "cfg-" + configured;
                    PushConfigs[configured] = config.ToJsonString();
                    result = config.ToJsonString();
                    break;
                case "GetTaskPushNotificationConfig" or "tasks/pushNotificationConfig/get" or "ListTaskPushNotificationConfigs" or "tasks/pushNotificationConfig/list"
                    or "DeleteTaskPushNotificationConfig" or "tasks/pushNotificationConfig/delete":
                    // As the SDKs read it: 0.3 names the task by params.id, 1.0 by params.taskId (its id is the configuration's).
                    var of = parameters.GetProperty(method.Contains('/', StringComparison.Ordinal) ? "id" : "taskId").GetString()!;
                    var kept = PushConfigs.GetValueOrDefault(of, "null");
                    if (method is "DeleteTaskPushNotificationConfig" or "tasks/pushNotificationConfig/delete")
                    {
                        PushConfigs.TryRemove(of, out _);
                        result = "{}";
                    }
                    else
                    {
                        result = method is "GetTaskPushNotificationConfig" or "tasks/pushNotificationConfig/get" ? kept : "{\"configs\":[" + (kept == "null" ? string.Empty : kept) + "]}";
                    }

                    break;
                case "CancelTask" or "tasks/cancel":
                    var cancelled = parameters.GetProperty("id").GetString()!;
                    TaskStates[cancelled] = "canceled";
                    result = new JsonObject { ["id"] = cancelled, ["status"] = new JsonObject { ["state"] = "TASK_STATE_CANCELED" } }.ToJsonString();
                    break;
                default:
                    return Results.Text("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32601,\"message\":\"no such method\"}}", "application/json");
            }

            return Results.Text("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}", "application/json");
        });
    }

    /// <summary>The first of <paramref name="names"/> <paramref name="holder"/> has, as a pydantic model reads its alias or field name (<c>taskId</c>, <c>task_id</c>).</summary>
    private static string? Named(JsonElement holder, params string[] names) =>
        names.Select(n => holder.TryGetProperty(n, out var value) ? value.GetString() : null).FirstOrDefault(v => v is not null);

    /// <summary>A message's text that makes the agent answer with the credential it was sent, without its scheme.</summary>
    public const string ReflectCredential = "reflect the credential";

    // The message's text, or, for ReflectCredential, the Authorization header's value without "Bearer ".
    private static string? Reflected(HttpContext context, string? text) =>
        text == ReflectCredential ? context.Request.Headers.Authorization.ToString().Replace("Bearer ", string.Empty, StringComparison.Ordinal) : text;

    private JsonObject Card(HttpContext context)
    {
        var origin = $"{context.Request.Scheme}://{context.Request.Host}";
        var card = new JsonObject
        {
            ["name"] = "Helper",
            ["description"] = "A helper agent",
            ["version"] = "1.0.0",
            ["protocolVersion"] = "1.0",
            ["url"] = origin + "/a2a",
            ["supportedInterfaces"] = new JsonArray(new JsonObject { ["url"] = origin + "/a2a", ["protocolBinding"] = "JSONRPC", ["protocolVersion"] = "1.0" }),
            ["capabilities"] = new JsonObject { ["streaming"] = true, ["pushNotifications"] = true },
            ["defaultInputModes"] = new JsonArray("text/plain"),
            ["defaultOutputModes"] = new JsonArray("text/plain"),
            ["skills"] = new JsonArray(Skill("summarize"), Skill("translate"), Skill("wire")),
        };
        if (SignCard)
        {
            var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(CardHeader));
            // A2A 1.0 §8.4.1: what the signature covers leaves out the members outside the 1.0 card (0.3's url and
            // protocolVersion); this card has no default-valued member to leave out.
            var signed = card.DeepClone().AsObject();
            signed.Remove("url");
            signed.Remove("protocolVersion");
            var input = Encoding.ASCII.GetBytes(header + "." + Base64Url.EncodeToString(Canonical(signed)));
            var signature = CardKey.SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            if (BreakSignature)
            {
                signature[0] ^= 0xFF;
            }

            card["signatures"] = new JsonArray(new JsonObject { ["protected"] = header, ["signature"] = Base64Url.EncodeToString(signature) });
        }

        return card;
    }

    private static JsonObject Skill(string id) => new() { ["id"] = id, ["name"] = id, ["description"] = id, ["tags"] = new JsonArray(id) };

    /// <summary>RFC 8785 for the card's shapes (strings, booleans, arrays, objects): members sorted by name, no whitespace.</summary>
    internal static byte[] Canonical(JsonNode node) => Encoding.UTF8.GetBytes(CanonicalText(node));

    private static string CanonicalText(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonSerializer.Serialize(p.Key) + ":" + CanonicalText(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(CanonicalText)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };
}
