using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>
/// A tiny A2A agent (JSON-RPC, both wire versions) inside the suite's upstream: its card at
/// <c>/.well-known/agent-card.json</c> (skills summarize, translate, wire) and its endpoint at <c>/a2a</c>. A message gets a
/// completed task echoing its text; a streamed one three events; tasks are read and cancelled. The gateway's bundle names
/// it <c>helper</c> (sdk/testing/gateway.sh).
/// </summary>
internal static class A2aTestAgent
{
    private static readonly ConcurrentDictionary<string, string> Tasks = new();
    private static int _count;

    public static JsonObject Card(string origin) => new()
    {
        ["name"] = "Helper",
        ["description"] = "A helper agent",
        ["version"] = "1.0.0",
        ["protocolVersion"] = "1.0",
        ["url"] = origin + "/a2a",
        ["supportedInterfaces"] = new JsonArray(new JsonObject { ["url"] = origin + "/a2a", ["protocolBinding"] = "JSONRPC", ["protocolVersion"] = "1.0" }),
        ["capabilities"] = new JsonObject { ["streaming"] = true, ["pushNotifications"] = false },
        ["defaultInputModes"] = new JsonArray("text/plain"),
        ["defaultOutputModes"] = new JsonArray("text/plain"),
        ["skills"] = new JsonArray(Skill("summarize"), Skill("translate"), Skill("wire")),
    };

    /// <summary>The content type and body of the answer to one JSON-RPC request.</summary>
    public static (string ContentType, string Body) Reply(JsonObject request)
    {
        var id = request["id"]?.DeepClone();
        var method = request["method"]!.GetValue<string>();
        var parameters = request["params"]!.AsObject();
        var v03 = method.Contains('/', StringComparison.Ordinal);
        var text = string.Concat((parameters["message"]?["parts"]?.AsArray() ?? []).Select(p => p?["text"]?.GetValue<string>() ?? string.Empty));
        (string, string) Result(JsonNode result) => ("application/json", new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["result"] = result }.ToJsonString());
        switch (method)
        {
            case "SendMessage" or "message/send":
            {
                var taskId = "task-" + Interlocked.Increment(ref _count);
                Tasks[taskId] = "completed";
                var task = new JsonObject
                {
                    ["id"] = taskId,
                    ["contextId"] = parameters["message"]?["contextId"]?.GetValue<string>() ?? "ctx-1",
                    ["status"] = new JsonObject { ["state"] = v03 ? "completed" : "TASK_STATE_COMPLETED" },
                    ["artifacts"] = new JsonArray(new JsonObject { ["artifactId"] = "a-1", ["parts"] = new JsonArray(new JsonObject { ["text"] = $"done: {text}" }) }),
                };
                if (v03)
                {
                    task["kind"] = "task";
                    return Result(task);
                }

                return Result(new JsonObject { ["task"] = task });
            }

            case "SendStreamingMessage" or "message/stream":
            {
                var taskId = "task-" + Interlocked.Increment(ref _count);
                Tasks[taskId] = "completed";
                JsonObject[] events =
                [
                    new() { ["statusUpdate"] = new JsonObject { ["taskId"] = taskId, ["contextId"] = "ctx-1", ["status"] = new JsonObject { ["state"] = "TASK_STATE_WORKING" } } },
                    new() { ["artifactUpdate"] = new JsonObject { ["taskId"] = taskId, ["artifact"] = new JsonObject { ["artifactId"] = "a-1", ["parts"] = new JsonArray(new JsonObject { ["text"] = $"done: {text}" }) } } },
                    new() { ["statusUpdate"] = new JsonObject { ["taskId"] = taskId, ["contextId"] = "ctx-1", ["status"] = new JsonObject { ["state"] = "TASK_STATE_COMPLETED" }, ["final"] = true } },
                ];
                var stream = new StringBuilder();
                foreach (var update in events)
                {
                    stream.Append("data: ").Append(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["result"] = update }.ToJsonString()).Append("\n\n");
                }

                return ("text/event-stream", stream.ToString());
            }

            case "GetTask" or "tasks/get":
            {
                var taskId = parameters["id"]!.GetValue<string>();
                return Result(new JsonObject { ["id"] = taskId, ["status"] = new JsonObject { ["state"] = Tasks.GetValueOrDefault(taskId, "unknown") } });
            }

            case "ListTasks" or "tasks/list":
            {
                // With a task nobody opened through the gateway, which it must leave out.
                var listed = new JsonArray([.. Tasks.Keys.Append("task-foreign").Select(t => (JsonNode)new JsonObject { ["id"] = t, ["status"] = new JsonObject { ["state"] = Tasks.GetValueOrDefault(t, "completed") } })]);
                return Result(new JsonObject { ["tasks"] = listed, ["totalSize"] = listed.Count, ["nextPageToken"] = string.Empty });
            }

            case "CancelTask" or "tasks/cancel":
            {
                var taskId = parameters["id"]!.GetValue<string>();
                Tasks[taskId] = "canceled";
                return Result(new JsonObject { ["id"] = taskId, ["status"] = new JsonObject { ["state"] = v03 ? "canceled" : "TASK_STATE_CANCELED" } });
            }

            default:
                return ("application/json", new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["error"] = new JsonObject { ["code"] = -32601, ["message"] = "no such method" } }.ToJsonString());
        }
    }

    private static JsonObject Skill(string id) => new() { ["id"] = id, ["name"] = id, ["description"] = id + " a text", ["tags"] = new JsonArray(id) };
}
