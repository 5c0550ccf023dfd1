using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.A2a.A2aPushConfigTests;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// The task a request names, read as the remote agent reads it (docs/a2a.md): members that name different tasks (0.3's
/// <c>id</c> and <c>taskId</c>, <c>taskId</c> and <c>task_id</c>, <c>id</c> and <c>name</c>) refused before anything is
/// forwarded, and recorded; a message's <c>task_id</c> checked as its <c>taskId</c> is. The agent reads the task as a
/// lenient SDK does (<see cref="A2aTestAgent"/>), so a request that got through would act on the other agent's task.
/// </summary>
public sealed class A2aTaskNamesTests
{
    private const string AuditPath = "/admin/v1/tenants/demo/audit?start=0&limit=1000";

    [Theory]
    [InlineData("tasks/pushNotificationConfig/get")]
    [InlineData("tasks/pushNotificationConfig/list")]
    [InlineData("tasks/pushNotificationConfig/delete")]
    public async Task PushConfig03_TaskIdOwnIdAnothers_IsRefusedAsTaskConflict_NothingSent(string method)
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var (victims, rogues) = await OpenTasksAsync(setup);
        await SendAsync(gw.Agent, Call("tasks/pushNotificationConfig/set", new { taskId = victims, pushNotificationConfig = new { url = "https://hooks.example.com/a2a", token = "victims-token" } }));

        var reply = await SendAsync(gw.Rogue, Call(method, new { taskId = rogues, id = victims }));

        AssertRefused(reply, "a2a_task_conflict");
        Assert.DoesNotContain(setup.Agent.Received, r => r.Method == method);
        Assert.Contains("victims-token", setup.Agent.PushConfigs[victims], StringComparison.Ordinal);
        Assert.DoesNotContain("victims-token", reply.ToString(), StringComparison.Ordinal);
        await AssertRecordedAsync(gw, "refused:a2a_task_conflict");
    }

    [Theory]
    [InlineData("GetTaskPushNotificationConfig", "name", "/pushNotificationConfigs/cfg-1")]
    [InlineData("DeleteTaskPushNotificationConfig", "name", "/pushNotificationConfigs/cfg-1")]
    [InlineData("ListTaskPushNotificationConfigs", "parent", "")]
    public async Task PushConfig_TaskIdOwnResourceNameAnothers_IsRefusedAsTaskConflict_NothingSent(string method, string member, string rest)
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var (victims, rogues) = await OpenTasksAsync(setup);
        var parameters = new JsonObject { ["taskId"] = rogues, [member] = "tasks/" + victims + rest };

        var reply = await SendAsync(gw.Rogue, Call(method, parameters));
        var own = await SendAsync(gw.Rogue, Call(method, new JsonObject { ["taskId"] = rogues, [member] = "tasks/" + rogues + rest }));

        AssertRefused(reply, "a2a_task_conflict");
        Assert.True(own.TryGetProperty("result", out _), own.ToString());
        Assert.Single(setup.Agent.Received, r => r.Method == method);
    }

    [Fact]
    public async Task PushConfigSet03_IdOwnSnakeCaseTaskIdAnothers_IsRefusedAsTaskConflict_NothingSent()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var (victims, rogues) = await OpenTasksAsync(setup);

        var reply = await SendAsync(gw.Rogue, Call("tasks/pushNotificationConfig/set", new { id = rogues, task_id = victims, pushNotificationConfig = new { url = "https://hooks.example.com/a2a" } }));

        AssertRefused(reply, "a2a_task_conflict");
        Assert.DoesNotContain(setup.Agent.Received, r => r.Method.Contains("ushNotificationConfig", StringComparison.Ordinal));
        Assert.Empty(setup.Agent.PushConfigs);
        await AssertRecordedAsync(gw, "refused:a2a_task_conflict");
    }

    [Theory]
    [InlineData("SendMessage")]
    [InlineData("message/send")]
    public async Task SendMessage_SnakeCaseTaskIdOfAnothersTask_IsNotFound_NothingSent(string method)
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var (victims, _) = await OpenTasksAsync(setup);

        var reply = await SendAsync(gw.Rogue, MessageNaming(method, ("task_id", victims)));

        Assert.Equal(-32001, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("a2a_task_not_found", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(2, setup.Agent.Received.Count);
        // Refused once its decision is recorded: the outcome says it was not forwarded, answered as not found.
        var records = JsonDocument.Parse(await gw.Admin().GetStringAsync(AuditPath)).RootElement.GetProperty("records").EnumerateArray();
        Assert.Contains(records, r => r.GetProperty("agent").GetString() == "rogue-agent" && r.TryGetProperty("invoked", out var invoked)
            && invoked.ValueKind == JsonValueKind.False && r.GetProperty("status_code").GetInt32() == 404);
    }

    [Theory]
    [InlineData("task_id")]
    [InlineData("TASK-ID")]
    [InlineData("ta\u017FkId")]
    [InlineData("tas\u212Aid")]
    public async Task SendMessage_TaskIdSpellingsThatDiffer_IsRefusedAsTaskConflict_NothingSent(string spelling)
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var (victims, rogues) = await OpenTasksAsync(setup);

        var reply = await SendAsync(gw.Rogue, MessageNaming("SendMessage", ("taskId", rogues), (spelling, victims)));

        AssertRefused(reply, "a2a_task_conflict");
        Assert.Equal(2, setup.Agent.Received.Count);
        await AssertRecordedAsync(gw, "refused:a2a_task_conflict");
    }

    [Theory]
    [InlineData("GetTask")]
    [InlineData("CancelTask")]
    [InlineData("SubscribeToTask")]
    public async Task TaskOperation_IdOwnNameAnothers_IsRefusedAsTaskConflict_NothingSent(string method)
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var (victims, rogues) = await OpenTasksAsync(setup);

        var reply = await SendAsync(gw.Rogue, Call(method, new { id = rogues, name = "tasks/" + victims }));

        AssertRefused(reply, "a2a_task_conflict");
        Assert.Equal(2, setup.Agent.Received.Count);
        Assert.Equal("completed", setup.Agent.TaskStates[victims]);
        await AssertRecordedAsync(gw, "refused:a2a_task_conflict");
    }

    [Fact]
    public async Task SameTaskInEverySpelling_OwnTask_IsForwarded()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var (own, _) = await OpenTasksAsync(setup);

        var continued = await SendAsync(gw.Agent, MessageNaming("SendMessage", ("taskId", own), ("task_id", own)));
        var got = await SendAsync(gw.Agent, Call("GetTask", new { id = own, name = "tasks/" + own }));
        var listed = await SendAsync(gw.Agent, Call("tasks/pushNotificationConfig/list", new { id = own, taskId = own }));

        Assert.Equal(own, continued.GetProperty("result").GetProperty("task").GetProperty("id").GetString());
        Assert.Equal(own, got.GetProperty("result").GetProperty("id").GetString());
        Assert.True(listed.TryGetProperty("result", out _), listed.ToString());
    }

    [Theory]
    [InlineData("{\"id\":7}")]
    [InlineData("{\"id\":\"t\",\"task_id\":[\"t\"]}")]
    [InlineData("{\"name\":\"task-1\"}")]
    public async Task GetTask_TaskNamedByANonString_IsMalformed_NothingSent(string parameters)
    {
        await using var setup = await StartAsync();

        var reply = await SendAsync(setup.Gateway.Agent, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"GetTask\",\"params\":" + parameters + "}");

        AssertRefused(reply, "malformed_body");
        Assert.Empty(setup.Agent.Received);
    }

    /// <summary>A task the agent opens, then one the rogue agent opens, each with a message.</summary>
    [Theory]
    [InlineData("referenceTaskIds")]
    [InlineData("reference_task_ids")]
    public async Task SendMessage_ReferringToAnothersTaskForContext_IsNotFound_NothingSent(string spelling)
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var (victims, rogues) = await OpenTasksAsync(setup);
        var body = JsonNode.Parse(Message("SendMessage", "summarize", "what did they ask?"))!;
        body["params"]!["message"]![spelling] = new JsonArray(rogues, victims);

        var reply = await SendAsync(gw.Rogue, body.ToJsonString());

        Assert.Equal(-32001, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("a2a_task_not_found", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(2, setup.Agent.Received.Count);
    }

    [Fact]
    public async Task SendMessage_ReferringToItsOwnTaskForContext_IsForwarded()
    {
        await using var setup = await StartAsync();
        var (_, rogues) = await OpenTasksAsync(setup);
        var body = JsonNode.Parse(Message("SendMessage", "summarize", "and then?"))!;
        body["params"]!["message"]!["referenceTaskIds"] = new JsonArray(rogues);

        var reply = await SendAsync(setup.Gateway.Rogue, body.ToJsonString());

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Equal(3, setup.Agent.Received.Count);
    }

    [Fact]
    public async Task SendMessage_ReferenceTaskIdsNotAListOfStrings_IsMalformed_NothingSent()
    {
        await using var setup = await StartAsync();
        var body = JsonNode.Parse(Message("SendMessage", "summarize", "more"))!;
        body["params"]!["message"]!["referenceTaskIds"] = "task-1";

        var reply = await SendAsync(setup.Gateway.Agent, body.ToJsonString());

        Assert.Equal(-32602, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.Agent.Received);
    }

    [Theory]
    [InlineData("contextId")]
    [InlineData("context_id")]
    public async Task SendMessage_InAnotherAgentsContext_IsNotFound_NothingSent(string spelling)
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var victims = await SendAsync(gw.Agent, Message("SendMessage", "summarize", "my plans"));
        var context = victims.GetProperty("result").GetProperty("task").GetProperty("contextId").GetString()!;

        var reply = await SendAsync(gw.Rogue, MessageNaming("SendMessage", (spelling, context)));

        Assert.Equal(-32001, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("a2a_task_not_found", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Single(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_InItsOwnContextOrANewOne_IsForwarded()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var first = await SendAsync(gw.Rogue, Message("SendMessage", "summarize", "first"));
        var own = first.GetProperty("result").GetProperty("task").GetProperty("contextId").GetString()!;

        var again = await SendAsync(gw.Rogue, MessageNaming("SendMessage", ("contextId", own)));
        var fresh = await SendAsync(gw.Rogue, MessageNaming("SendMessage", ("contextId", "ctx-of-its-own-choosing")));
        var victims = await SendAsync(gw.Agent, MessageNaming("SendMessage", ("contextId", "ctx-of-its-own-choosing")));

        Assert.Equal(own, again.GetProperty("result").GetProperty("task").GetProperty("contextId").GetString());
        Assert.Equal("ctx-of-its-own-choosing", fresh.GetProperty("result").GetProperty("task").GetProperty("contextId").GetString());
        Assert.Equal("a2a_task_not_found", victims.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(3, setup.Agent.Received.Count);
    }

    [Fact]
    public async Task SendMessage_ContextIdSpellingsThatDiffer_IsRefusedAsTaskConflict_NothingSent()
    {
        await using var setup = await StartAsync();

        var reply = await SendAsync(setup.Gateway.Agent, MessageNaming("SendMessage", ("contextId", "ctx-a"), ("context_id", "ctx-b")));

        AssertRefused(reply, "a2a_task_conflict");
        Assert.Empty(setup.Agent.Received);
    }

    private static async Task<(string Agents, string Rogues)> OpenTasksAsync(Setup setup)
    {
        var agents = await OpenTaskAsync(setup);
        var rogues = (await SendAsync(setup.Gateway.Rogue, Message("SendMessage", "summarize", "theirs"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;
        return (agents, rogues);
    }

    /// <summary>A message whose <c>params.message</c> carries <paramref name="members"/> too.</summary>
    private static string MessageNaming(string method, params (string Name, string Value)[] members)
    {
        var body = JsonNode.Parse(Message(method, "summarize", "more"))!;
        foreach (var (name, value) in members)
        {
            body["params"]!["message"]![name] = value;
        }

        return body.ToJsonString();
    }

    private static async Task AssertRecordedAsync(GovernedGateway gw, string decision) =>
        Assert.Contains(decision, await gw.Admin().GetStringAsync(AuditPath), StringComparison.Ordinal);

    private static void AssertRefused(JsonElement reply, string code)
    {
        var error = reply.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal(code, error.GetProperty("data").GetProperty("code").GetString());
    }
}
