using System.Text.Json;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A task id a remote agent's answer names that the record could not keep (longer than 256 characters, or holding a
/// control or format character: docs/a2a.md, "Task states") names no task the caller owns: the answer still reaches the
/// caller, but a later call acting on that task is answered as not found and never reaches the remote agent.
/// </summary>
public sealed class A2aUnrecordableTaskTests
{
    [Fact]
    public async Task SendMessage_AnswerNamesATaskIdLongerThan256Characters_ALaterGetTaskIsNotFound()
    {
        await using var setup = await A2aRouteTests.StartAsync();
        var taskId = new string('t', 257);
        setup.Agent.Scripted = ["\"result\":{\"task\":{\"id\":\"" + taskId + "\",\"contextId\":\"ctx-long\",\"status\":{\"state\":\"TASK_STATE_WORKING\"}}}"];

        var answered = await A2aRouteTests.SendAsync(setup.Gateway.Agent, A2aRouteTests.Message("SendMessage", "summarize", "x"));
        var read = await A2aRouteTests.SendAsync(setup.Gateway.Agent, A2aRouteTests.TaskCall("GetTask", taskId));

        Assert.Equal(taskId, answered.GetProperty("result").GetProperty("task").GetProperty("id").GetString());
        AssertNotFound(read);
        Assert.Single(setup.Agent.Received);
    }

    [Fact]
    public async Task SendStreamingMessage_EventNamesATaskIdWithABidiControl_ALaterGetTaskIsNotFound()
    {
        await using var setup = await A2aRouteTests.StartAsync();
        const string TaskId = "t-1\u202e";
        setup.Agent.Scripted = ["\"result\":{\"statusUpdate\":{\"taskId\":\"t-1\\u202e\",\"contextId\":\"ctx-bidi\",\"status\":{\"state\":\"TASK_STATE_WORKING\"}}}"];

        using (var streamed = await setup.Gateway.Agent.SendAsync(setup.Gateway.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendStreamingMessage", "summarize", "x"))))
        {
            Assert.Contains("ctx-bidi", await streamed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        AssertNotFound(await A2aRouteTests.SendAsync(setup.Gateway.Agent, A2aRouteTests.TaskCall("GetTask", TaskId)));
        Assert.Single(setup.Agent.Received);
    }

    private static void AssertNotFound(JsonElement answer)
    {
        var error = answer.GetProperty("error");
        Assert.Equal(-32001, error.GetProperty("code").GetInt32());
        Assert.Equal("a2a_task_not_found", error.GetProperty("data").GetProperty("code").GetString());
    }
}
