using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A remote agent's event stream relayed event by event (docs/a2a.md, "Streams"): each reply reaches the caller as the
/// real Kestrel agent sends it, redacted, under the caller's id; a stream beyond the connector's <c>max_response_bytes</c>
/// or one that breaks or outlives the agent's <c>limits.timeout</c> ends with a JSON-RPC error event, recorded; and every
/// task state a reply or an event shows is a record of its own in the audit chain, with the run.
/// </summary>
public sealed class A2aStreamTests
{
    [Fact]
    public async Task SendStreamingMessage_SlowAgent_FirstEventReachesTheClientBeforeTheLastIsSent()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", Message("SendStreamingMessage", "summarize", "slowly")), HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var events = new SseEvents(stream);

        var first = await events.NextAsync().WaitAsync(TimeSpan.FromSeconds(8));
        var lastSentBeforeFirstRead = setup.Agent.LastEventSent;
        setup.Agent.FirstEventRead.TrySetResult();
        var rest = new List<JsonElement>();
        while (await events.NextAsync() is { } next)
        {
            rest.Add(next);
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.False(lastSentBeforeFirstRead, "the first event reached the client only after the agent sent its last");
        Assert.Equal("TASK_STATE_WORKING", first!.Value.GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(2, rest.Count);
        Assert.All(rest.Prepend(first.Value), e => Assert.Equal("7", e.GetProperty("id").GetRawText()));
        var artifact = rest[0].GetProperty("result").GetProperty("artifactUpdate").GetProperty("artifact").GetProperty("parts")[0].GetProperty("text").GetString();
        Assert.StartsWith("done: slowly", artifact, StringComparison.Ordinal);
        Assert.DoesNotContain("ops@example.com", artifact, StringComparison.Ordinal);
        Assert.Equal("TASK_STATE_COMPLETED", rest[1].GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
    }

    [Fact]
    public async Task SendStreamingMessage_BeyondTheConnectorsLimit_EndsWithAJsonRpcErrorEvent_Recorded()
    {
        await using var setup = await StartAsync(maxResponseBytes: 1024);
        var gw = setup.Gateway;

        var events = await StreamAsync(gw.Agent, Message("SendStreamingMessage", "summarize", "overflow"));

        Assert.Equal(2, events.Count);
        Assert.True(events[0].TryGetProperty("result", out _), events[0].ToString());
        var error = events[1].GetProperty("error");
        Assert.Equal("7", events[1].GetProperty("id").GetRawText());
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("response_too_large", error.GetProperty("data").GetProperty("code").GetString());
        var records = await AuditAsync(gw);
        Assert.Contains(records, r => Str(r, "tool") == "helper.summarize" && r.TryGetProperty("status_code", out var status) && status.GetInt32() == 502 && r.GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public async Task SendStreamingMessage_StreamBreaks_EndsWithAJsonRpcErrorEvent()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;

        var events = await StreamAsync(gw.Agent, Message("SendStreamingMessage", "summarize", "breaks"));

        Assert.Equal(2, events.Count);
        Assert.True(events[0].TryGetProperty("result", out _), events[0].ToString());
        Assert.Equal("upstream_unavailable", events[1].GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        var records = await AuditAsync(gw);
        Assert.Contains(records, r => Str(r, "tool") == "helper.summarize" && r.TryGetProperty("status_code", out var status) && status.GetInt32() == 502 && r.GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public async Task SendStreamingMessage_StreamOutlivesTheTimeout_EndsWithUpstreamTimeoutAndRecorded()
    {
        // The agent sends its first event, then holds the stream open until the gateway cuts it.
        await using var setup = await StartAsync(agentTimeout: "2s");
        var gw = setup.Gateway;

        var events = await StreamAsync(gw.Agent, Message("SendStreamingMessage", "summarize", "holds")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, events.Count);
        Assert.Equal("TASK_STATE_WORKING", events[0].GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
        var error = events[1].GetProperty("error");
        Assert.Equal("7", events[1].GetProperty("id").GetRawText());
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("upstream_timeout", error.GetProperty("data").GetProperty("code").GetString());
        var records = await AuditAsync(gw);
        Assert.Contains(records, r => Str(r, "tool") == "helper.summarize" && r.TryGetProperty("status_code", out var status) && status.GetInt32() == 504 && r.GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public async Task SendStreamingMessage_SecondEventWithTrailingData_RecordsTheOutcome()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        setup.Agent.Scripted =
        [
            "\"result\":{\"statusUpdate\":{\"taskId\":\"task-trailing\",\"contextId\":\"ctx-trailing\",\"status\":{\"state\":\"TASK_STATE_WORKING\"}}}",
            // A complete reply to the gateway's id, then bytes after it (the agent's writer closes the object once more).
            "\"result\":{\"statusUpdate\":{\"taskId\":\"task-trailing\",\"contextId\":\"ctx-trailing\",\"status\":{\"state\":\"TASK_STATE_COMPLETED\"}}}} x",
        ];

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", Message("SendStreamingMessage", "summarize", "trailing")));
        var text = await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("TASK_STATE_WORKING", text, StringComparison.Ordinal);
        Assert.DoesNotContain("TASK_STATE_COMPLETED", text, StringComparison.Ordinal);
        var records = await gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Contains(records, r => Str(r, "tool") == "helper.summarize" && r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
        Assert.Equal(["working"], records.Where(r => Str(r, "decision") == "a2a_task_state").Select(r => r.GetProperty("a2a_task").GetProperty("state").GetString()));
    }

    [Fact]
    public async Task SendStreamingMessage_InARun_EachTaskStateIsRecordedWithTheRunAndTheChainVerifies()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using (var response = await gw.Agent.SendAsync(gw.Agent.CreateInRun(HttpMethod.Post, "/a2a/helper", Message("SendStreamingMessage", "summarize", "in a run"), run)))
        {
            Assert.Contains("TASK_STATE_COMPLETED", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var states = (await RunCalls.RecordsAsync(gw.Admin(), run)).Where(r => Str(r, "decision") == "a2a_task_state").ToList();
        Assert.Equal(["working", "completed"], states.Select(r => r.GetProperty("a2a_task").GetProperty("state").GetString()));
        Assert.All(states, r =>
        {
            Assert.Equal("helper.summarize", Str(r, "tool"));
            Assert.Equal("helper", Str(r, "connector"));
            Assert.Equal(run, Str(r, "run_id"));
            Assert.StartsWith("task-", r.GetProperty("a2a_task").GetProperty("id").GetString(), StringComparison.Ordinal);
        });
        using var verified = JsonDocument.Parse(await gw.Admin().GetStringAsync("/admin/v1/tenants/demo/audit/verify"));
        Assert.True(verified.RootElement.GetProperty("intact").GetBoolean(), verified.RootElement.ToString());
    }

    [Fact]
    public async Task SubscribeToTask_OwnTask_RelaysItsUpdatesRedactedAndRecordsTheStates_AnotherAgentsIsNotFound()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var task = (await SendAsync(gw.Agent, Message("SendMessage", "summarize", "x"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        var events = await StreamAsync(gw.Agent, TaskCall("SubscribeToTask", task));
        var rogue = await SendAsync(gw.Rogue, TaskCall("tasks/resubscribe", task));

        Assert.Equal(["TASK_STATE_WORKING", "TASK_STATE_INPUT_REQUIRED"], events.Select(e => e.GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString()));
        Assert.All(events, e => Assert.Equal("9", e.GetProperty("id").GetRawText()));
        Assert.All(events, e => Assert.DoesNotContain("ops@example.com", e.GetRawText(), StringComparison.Ordinal));
        Assert.Equal(-32001, rogue.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Single(setup.Agent.Received, r => r.Method == "SubscribeToTask");
        var states = (await AuditAsync(gw)).Where(r => Str(r, "decision") == "a2a_task_state" && Str(r, "tool") == "helper").Select(r => r.GetProperty("a2a_task").GetProperty("state").GetString());
        Assert.Equal(["working", "input-required"], states);
    }

    [Fact]
    public async Task SendMessageThenCancelTask_EachAnswersTaskState_IsRecorded()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var task = (await SendAsync(gw.Agent, Message("SendMessage", "summarize", "x"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        await SendAsync(gw.Agent, TaskCall("CancelTask", task));

        var states = (await AuditAsync(gw)).Where(r => Str(r, "decision") == "a2a_task_state" && r.GetProperty("a2a_task").GetProperty("id").GetString() == task).ToList();
        Assert.Equal(["completed", "canceled"], states.Select(r => r.GetProperty("a2a_task").GetProperty("state").GetString()));
        Assert.Equal(["helper.summarize", "helper"], states.Select(r => Str(r, "tool")));
    }

    private static async Task<List<JsonElement>> StreamAsync(AgentClient agent, string body)
    {
        using var response = await agent.SendAsync(agent.Create(HttpMethod.Post, "/a2a/helper", body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.Clone())];
    }

    private static async Task<List<JsonElement>> AuditAsync(GovernedGateway gw)
    {
        using var page = JsonDocument.Parse(await gw.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000"));
        return [.. page.RootElement.GetProperty("records").EnumerateArray().Select(r => r.Clone())];
    }

    private static string? Str(JsonElement record, string name) =>
        record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Reads an event stream's <c>data:</c> events one at a time, as they arrive.</summary>
    private sealed class SseEvents(Stream stream) : IDisposable
    {
        private readonly StreamReader _reader = new(stream, Encoding.UTF8);

        public async Task<JsonElement?> NextAsync()
        {
            var data = new StringBuilder();
            while (await _reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0 && data.Length > 0)
                {
                    return JsonDocument.Parse(data.ToString()).RootElement.Clone();
                }

                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line["data: ".Length..]);
                }
            }

            return data.Length > 0 ? JsonDocument.Parse(data.ToString()).RootElement.Clone() : null;
        }

        public void Dispose() => _reader.Dispose();
    }
}
